import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { holidayPredicate, holidaysBetween } from './holidays.ts';
import { localInstant } from './local-time.ts';
import { type Interval, isOpen, nextOpenSlot } from './schedule.ts';
import { sendableAt } from './sendable.ts';
import { calendarWaitEnd, workingWaitEnd } from './wait-end.ts';

const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
const local = (ms: number | null, zone: string) =>
  ms === null ? 'never' : DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm ccc");
const weekdays = (from: string, to: string): Interval[] => [1, 2, 3, 4, 5].map((day) => ({ day, from, to }));
const office = { intervals: weekdays('09:00', '17:00') };
const none = () => false;

describe('nextOpenSlot: days, intervals, holidays', () => {
  it.each([
    [
      'a Friday evening goes Monday 09:00, not Saturday',
      'America/New_York',
      '2026-06-12T17:30',
      '2026-06-15T09:00 Mon',
    ],
    ['inside the window stays', 'Europe/Warsaw', '2026-06-10T10:15', '2026-06-10T10:15 Wed'],
    ['Sunday morning in Sydney goes Monday', 'Australia/Sydney', '2026-06-14T08:00', '2026-06-15T09:00 Mon'],
    ['Kolkata (UTC+5:30) evening → next morning', 'Asia/Kolkata', '2026-06-10T20:00', '2026-06-11T09:00 Thu'],
    [
      'Adelaide (UTC+9:30) across its October change',
      'Australia/Adelaide',
      '2026-10-02T18:00',
      '2026-10-05T09:00 Mon',
    ],
    ['Kathmandu (UTC+5:45)', 'Asia/Kathmandu', '2026-06-10T08:59', '2026-06-10T09:00 Wed'],
    [
      'St John’s (UTC−3:30) before its spring change',
      'America/St_Johns',
      '2026-03-06T17:00',
      '2026-03-09T09:00 Mon',
    ],
  ])('%s', (_name, zone, start, expected) => {
    expect(local(nextOpenSlot(office, zone, none, at(start, zone)), zone)).toBe(expected);
  });

  it('several intervals a day: the lunch break is closed', () => {
    const zone = 'Europe/Warsaw';
    const split = { intervals: [...weekdays('09:00', '12:00'), ...weekdays('13:00', '17:00')] };
    expect(local(nextOpenSlot(split, zone, none, at('2026-06-10T12:30', zone)), zone)).toBe(
      '2026-06-10T13:00 Wed',
    );
    expect(isOpen(split, zone, none, at('2026-06-10T12:00', zone))).toBe(false);
    expect(isOpen(split, zone, none, at('2026-06-10T11:59', zone))).toBe(true);
  });

  it('holidays close the whole day: organisation dates and a country preset', () => {
    const zone = 'America/New_York';
    const us = holidayPredicate({ dates: ['2026-09-08'], country: 'US', region: null });
    // Friday 4 September evening → Monday 7 September is Labor Day, Tuesday 8 is an organisation holiday.
    expect(local(nextOpenSlot(office, zone, us, at('2026-09-04T18:00', zone)), zone)).toBe(
      '2026-09-09T09:00 Wed',
    );
    const names = holidaysBetween(
      { dates: ['2026-09-08'], country: 'US', region: null },
      '2026-09-01',
      '2026-09-30',
    );
    expect(names.map((h) => `${h.date} ${h.source}`)).toEqual([
      '2026-09-07 public',
      '2026-09-08 organisation',
    ]);
  });

  it('a schedule without hours never opens', () => {
    expect(nextOpenSlot({ intervals: [] }, 'UTC', none, 0)).toBeNull();
    expect(
      sendableAt(
        {
          scheduleId: 's',
          name: 'Closed',
          hours: { intervals: [] },
          zone: 'UTC',
          zoneMode: 'fixed',
          isHoliday: none,
        },
        0,
      ).kind,
    ).toBe('never');
  });
});

describe('DST: openings inside a gap open at the gap’s end', () => {
  const early = { intervals: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, from: '02:30', to: '05:00' })) };
  it.each([
    ['America/New_York', '2026-03-08T00:00', '2026-03-08T03:00 Sun'],
    ['America/New_York', '2027-03-14T00:00', '2027-03-14T03:00 Sun'],
    ['Europe/Warsaw', '2026-03-29T00:00', '2026-03-29T03:00 Sun'],
    ['Europe/Warsaw', '2027-03-28T00:00', '2027-03-28T03:00 Sun'],
    ['Australia/Sydney', '2026-10-04T00:00', '2026-10-04T03:00 Sun'],
    ['Australia/Sydney', '2027-10-03T00:00', '2027-10-03T03:00 Sun'],
  ])('%s from %s', (zone, start, expected) => {
    expect(local(nextOpenSlot(early, zone, none, at(start, zone)), zone)).toBe(expected);
  });

  it('the day after the gap opens at 02:30 again', () => {
    const zone = 'America/New_York';
    expect(local(nextOpenSlot(early, zone, none, at('2026-03-08T06:00', zone)), zone)).toBe(
      '2026-03-09T02:30 Mon',
    );
  });

  it('on a fall-back day a repeated hour opens at its first occurrence', () => {
    const zone = 'America/New_York';
    const repeated = { intervals: [{ day: 7, from: '01:30', to: '02:00' }] };
    const open = nextOpenSlot(repeated, zone, none, at('2026-11-01T00:00', zone)) as number;
    expect(new Date(open).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('both DST changes of 2026 and 2027 in the issue’s zones (09:00–17:00 weekdays; 02:30 daily opening)', () => {
  const early = { intervals: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, from: '02:30', to: '04:00' })) };
  it.each([
    // zone, local start, expected next office opening, expected next 02:30 opening
    ['America/New_York', '2026-03-06T17:30', '2026-03-09T09:00 Mon', '2026-03-07T02:30 Sat'],
    ['America/New_York', '2026-10-30T17:30', '2026-11-02T09:00 Mon', '2026-10-31T02:30 Sat'],
    ['America/New_York', '2027-03-13T04:00', '2027-03-15T09:00 Mon', '2027-03-14T03:00 Sun'],
    ['America/New_York', '2027-11-06T04:00', '2027-11-08T09:00 Mon', '2027-11-07T02:30 Sun'],
    ['Europe/Warsaw', '2026-03-28T04:00', '2026-03-30T09:00 Mon', '2026-03-29T03:00 Sun'],
    ['Europe/Warsaw', '2026-10-24T04:00', '2026-10-26T09:00 Mon', '2026-10-25T02:30 Sun'],
    ['Europe/Warsaw', '2027-03-27T04:00', '2027-03-29T09:00 Mon', '2027-03-28T03:00 Sun'],
    ['Europe/Warsaw', '2027-10-30T04:00', '2027-11-01T09:00 Mon', '2027-10-31T02:30 Sun'],
    ['Australia/Sydney', '2026-04-04T04:00', '2026-04-06T09:00 Mon', '2026-04-05T02:30 Sun'],
    ['Australia/Sydney', '2026-10-03T04:00', '2026-10-05T09:00 Mon', '2026-10-04T03:00 Sun'],
    ['Australia/Sydney', '2027-04-03T04:00', '2027-04-05T09:00 Mon', '2027-04-04T02:30 Sun'],
    ['Australia/Sydney', '2027-10-02T04:00', '2027-10-04T09:00 Mon', '2027-10-03T03:00 Sun'],
    ['America/St_Johns', '2026-03-07T04:00', '2026-03-09T09:00 Mon', '2026-03-08T03:00 Sun'],
    ['America/St_Johns', '2026-10-31T04:00', '2026-11-02T09:00 Mon', '2026-11-01T02:30 Sun'],
    ['America/St_Johns', '2027-03-13T04:00', '2027-03-15T09:00 Mon', '2027-03-14T03:00 Sun'],
    ['America/St_Johns', '2027-11-06T04:00', '2027-11-08T09:00 Mon', '2027-11-07T02:30 Sun'],
    ['Asia/Kathmandu', '2026-03-28T04:00', '2026-03-30T09:00 Mon', '2026-03-29T02:30 Sun'],
    ['Asia/Kathmandu', '2027-10-30T04:00', '2027-11-01T09:00 Mon', '2027-10-31T02:30 Sun'],
  ])('%s from %s', (zone, start, office9, early230) => {
    expect(local(nextOpenSlot(office, zone, none, at(start, zone)), zone)).toBe(office9);
    expect(local(nextOpenSlot(early, zone, none, at(start, zone)), zone)).toBe(early230);
  });

  it.each([
    ['America/New_York', '2026-03-06T02:30', '2026-03-10T02:30 Tue'],
    ['America/St_Johns', '2026-03-06T02:30', '2026-03-10T02:30 Tue'],
    ['Europe/Warsaw', '2027-03-26T02:30', '2027-03-30T02:30 Tue'],
    ['Australia/Sydney', '2027-10-01T02:30', '2027-10-05T02:30 Tue'],
    ['Asia/Kathmandu', '2026-03-06T02:30', '2026-03-10T02:30 Tue'],
  ])('a 2-working-day wait from %s %s keeps 02:30 across the change', (zone, start, expected) => {
    const cal = { zone, days: [1, 2, 3, 4, 5], from: '00:00', to: '23:59', daysOff: [], holidays: [] };
    expect(local(workingWaitEnd(at(start, zone), { days: 2, hours: 0 }, cal), zone)).toBe(expected);
  });
});

describe('working-day waits keep the wall-clock hour on later days (the spring-forward bug)', () => {
  const calendar = (zone: string) => ({
    zone,
    days: [1, 2, 3, 4, 5, 6, 7],
    from: '00:00',
    to: '23:59',
    daysOff: [],
    holidays: [],
  });
  it.each([
    ['America/New_York', '2026-03-07T02:30', 3, '2026-03-10T02:30 Tue'],
    ['Europe/Warsaw', '2026-03-28T02:30', 2, '2026-03-30T02:30 Mon'],
    ['Australia/Sydney', '2026-10-03T02:30', 2, '2026-10-05T02:30 Mon'],
    ['America/New_York', '2027-03-13T02:15', 1, '2027-03-14T03:00 Sun'],
  ])('%s from %s + %i working days', (zone, start, days, expected) => {
    expect(local(workingWaitEnd(at(start, zone), { days, hours: 0 }, calendar(zone)), zone)).toBe(expected);
    expect(local(calendarWaitEnd(at(start, zone), { days, hours: 0 }, zone), zone)).toBe(expected);
  });
});

const ZONES = [
  'America/New_York',
  'Europe/Warsaw',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Australia/Adelaide',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'UTC',
];
const zoneArb = fc.constantFrom(...ZONES, ...Intl.supportedValuesOf('timeZone'));
const timeArb = (min: number, max: number) =>
  fc
    .integer({ min, max })
    .map((m) =>
      m === 1440
        ? '24:00'
        : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`,
    );
const intervalArb = fc
  .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 600 }))
  .chain(([day, from, length]) =>
    fc.tuple(
      fc.constant(day),
      timeArb(from, from),
      timeArb(Math.min(1440, from + length), Math.min(1440, from + length)),
    ),
  )
  .map(([day, from, to]) => ({ day, from, to }));
const nowArb = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 0, 1) });
const holidaysArb = fc
  .array(fc.integer({ min: 0, max: 730 }), { maxLength: 30 })
  .map(
    (offsets) =>
      new Set(offsets.map((o) => new Date(Date.UTC(2026, 0, 1) + o * 86_400_000).toISOString().slice(0, 10))),
  );

/** Independent check: is `t` inside an interval of its own local date (read by Luxon), on a non-holiday? */
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
const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

describe('properties over all IANA zones, random schedules and holidays', () => {
  it('the next open slot is open, not a holiday, and nothing earlier after now is open', () => {
    fc.assert(
      fc.property(
        zoneArb,
        fc.array(intervalArb, { minLength: 1, maxLength: 8 }),
        holidaysArb,
        nowArb,
        (zone, intervals, holidays, now) => {
          const isHoliday = (date: string) => holidays.has(date);
          const slot = nextOpenSlot({ intervals }, zone, isHoliday, now);
          if (slot === null) return;
          expect(slot).toBeGreaterThanOrEqual(now);
          expect(openByDefinition(intervals, zone, holidays, slot)).toBe(true);
          expect(holidays.has(DateTime.fromMillis(slot, { zone }).toISODate() as string)).toBe(false);
          // Sample minutes between now and the slot: none is open.
          for (let t = now; t < slot && t < now + 10 * 86_400_000; t += 47 * 60_000) {
            expect(openByDefinition(intervals, zone, holidays, t)).toBe(false);
          }
          expect(isOpen({ intervals }, zone, isHoliday, slot)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a working-day wait lands on the start’s wall-clock time (or just after a gap) after exactly N weekdays', () => {
    fc.assert(
      fc.property(zoneArb, nowArb, fc.integer({ min: 1, max: 30 }), (zone, start, days) => {
        const cal = { zone, days: [1, 2, 3, 4, 5], from: '00:00', to: '23:59', daysOff: [], holidays: [] };
        const s = DateTime.fromMillis(start, { zone });
        fc.pre(s.hour * 60 + s.minute < 23 * 60 + 59);
        const e = DateTime.fromMillis(workingWaitEnd(start, { days, hours: 0 }, cal), { zone });
        let weekdays = 0;
        for (
          let d = s.startOf('day').plus({ days: 1 });
          d.toISODate() !== e.toISODate();
          d = d.plus({ days: 1 })
        ) {
          if (d.weekday <= 5) weekdays++;
        }
        expect(weekdays + 1).toBe(days);
        expect(e.weekday).toBeLessThanOrEqual(5);
        const sameClock = e.hour === s.hour && e.minute === s.minute;
        if (!sameClock) {
          // Only allowed when that wall-clock time does not exist on the target day (a DST gap).
          const probe = DateTime.fromObject(
            { year: e.year, month: e.month, day: e.day, hour: s.hour, minute: s.minute },
            { zone },
          );
          expect(probe.hour !== s.hour || probe.minute !== s.minute).toBe(true);
          expect(e.hour * 60 + e.minute).toBeGreaterThan(s.hour * 60 + s.minute);
        }
      }),
      { numRuns: 300 },
    );
  });
});
