import countriesAndTimezones from 'countries-and-timezones';
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { localInstant } from './local-time.ts';
import { type Interval, isOpen, nextOpenSlot } from './schedule.ts';
import { calendarWaitEnd } from './wait-end.ts';

/**
 * Issue 13's properties over EVERY IANA zone, not a random sample: each of the ~600 zone names (the tz database's
 * canonical zones the runtime knows plus every alias and deprecated name `countries-and-timezones` lists, as a
 * record may carry "US/Eastern" or "Asia/Calcutta") gets its own random schedules, holidays and moments.
 */
const ALL_ZONES = [
  ...new Set([
    ...Intl.supportedValuesOf('timeZone'),
    ...Object.keys(countriesAndTimezones.getAllTimezones({ deprecated: true })),
  ]),
]
  .filter((zone) => IANAZone.isValidZone(zone))
  .sort();

const hhmm = (m: number) =>
  m === 1440 ? '24:00' : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const intervalArb = fc
  .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 600 }))
  .map(
    ([day, from, length]): Interval => ({ day, from: hhmm(from), to: hhmm(Math.min(1440, from + length)) }),
  );
const nowArb = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 0, 1) });
const holidaysArb = fc
  .array(fc.integer({ min: 0, max: 730 }), { maxLength: 20 })
  .map(
    (days) =>
      new Set(days.map((d) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString().slice(0, 10))),
  );

const toMin = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3));
/** Independent reading: `t` lies inside an interval of its own local date and that date is not a holiday. */
function openByDefinition(intervals: Interval[], zone: string, holidays: Set<string>, t: number): boolean {
  const d = DateTime.fromMillis(t, { zone });
  const date = d.toISODate() as string;
  if (holidays.has(date)) return false;
  return intervals.some(
    (i) =>
      i.day === d.weekday &&
      localInstant(date, toMin(i.from), zone) <= t &&
      t < localInstant(date, toMin(i.to), zone),
  );
}

describe('every IANA zone', () => {
  it('covers the whole tz database, aliases included', () => {
    expect(ALL_ZONES.length).toBeGreaterThan(550);
    for (const zone of [
      'America/New_York',
      'US/Eastern',
      'Asia/Calcutta',
      'Asia/Kathmandu',
      'America/St_Johns',
    ]) {
      expect(ALL_ZONES).toContain(zone);
    }
  });

  it('in each zone: the next open slot is open, not a holiday, and no sampled moment before it is open', () => {
    for (const [index, zone] of ALL_ZONES.entries()) {
      fc.assert(
        fc.property(
          fc.array(intervalArb, { minLength: 1, maxLength: 6 }),
          holidaysArb,
          nowArb,
          (intervals, holidays, now) => {
            const isHoliday = (date: string) => holidays.has(date);
            const slot = nextOpenSlot({ intervals }, zone, isHoliday, now);
            if (slot === null) return;
            expect(slot).toBeGreaterThanOrEqual(now);
            expect(
              openByDefinition(intervals, zone, holidays, slot),
              `${zone} ${new Date(slot).toISOString()}`,
            ).toBe(true);
            expect(isOpen({ intervals }, zone, isHoliday, slot)).toBe(true);
            for (let t = now; t < slot && t < now + 8 * 86_400_000; t += 113 * 60_000) {
              expect(
                openByDefinition(intervals, zone, holidays, t),
                `${zone} ${new Date(t).toISOString()}`,
              ).toBe(false);
            }
          },
        ),
        { numRuns: 4, seed: 1300 + index },
      );
    }
  });

  it('in each zone: a days wait keeps the wall-clock time (or the first instant after a gap), an hours wait is elapsed time', () => {
    for (const [index, zone] of ALL_ZONES.entries()) {
      fc.assert(
        fc.property(
          nowArb,
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 72 }),
          (start, days, hours) => {
            expect(calendarWaitEnd(start, { days: 0, hours }, zone)).toBe(start + hours * 3_600_000);
            const s = DateTime.fromMillis(start, { zone });
            const e = DateTime.fromMillis(calendarWaitEnd(start, { days, hours: 0 }, zone), { zone });
            expect(e.startOf('day').diff(s.startOf('day'), 'days').days).toBeCloseTo(days, 0);
            if (e.hour !== s.hour || e.minute !== s.minute) {
              // Only where that wall-clock time does not exist on the target day (a DST or zone-change gap).
              const probe = DateTime.fromObject(
                { year: e.year, month: e.month, day: e.day, hour: s.hour, minute: s.minute },
                { zone },
              );
              expect(
                probe.hour !== s.hour || probe.minute !== s.minute,
                `${zone} ${s.toISO()} + ${days}d`,
              ).toBe(true);
            }
          },
        ),
        { numRuns: 4, seed: 2700 + index },
      );
    }
  });
});
