import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { holidayPredicate } from './holidays.ts';
import { nextOpenSlot } from './schedule.ts';
import { sendableAt } from './sendable.ts';
import { calendarWaitEnd, workingWaitEnd } from './wait-end.ts';

/**
 * The table: America/New_York, Europe/Warsaw, Australia/Sydney, Asia/Kathmandu and America/St_Johns on
 * BOTH DST changes of 2026 and of 2027 (Kathmandu has none: it is checked on Warsaw's dates and must not move).
 * Every change is on a Sunday; around it: a Friday-evening email with a holiday Monday, calendar waits across the
 * change (days keep the wall clock, a missing 02:30 opens at 03:00; hours are elapsed), and working-day waits.
 */
type Kind = 'spring' | 'fall' | 'none';
const TABLE: [zone: string, sunday: string, kind: Kind][] = [
  ['America/New_York', '2026-03-08', 'spring'],
  ['America/New_York', '2026-11-01', 'fall'],
  ['America/New_York', '2027-03-14', 'spring'],
  ['America/New_York', '2027-11-07', 'fall'],
  ['Europe/Warsaw', '2026-03-29', 'spring'],
  ['Europe/Warsaw', '2026-10-25', 'fall'],
  ['Europe/Warsaw', '2027-03-28', 'spring'],
  ['Europe/Warsaw', '2027-10-31', 'fall'],
  ['Australia/Sydney', '2026-04-05', 'fall'],
  ['Australia/Sydney', '2026-10-04', 'spring'],
  ['Australia/Sydney', '2027-04-04', 'fall'],
  ['Australia/Sydney', '2027-10-03', 'spring'],
  ['America/St_Johns', '2026-03-08', 'spring'],
  ['America/St_Johns', '2026-11-01', 'fall'],
  ['America/St_Johns', '2027-03-14', 'spring'],
  ['America/St_Johns', '2027-11-07', 'fall'],
  ['Asia/Kathmandu', '2026-03-29', 'none'],
  ['Asia/Kathmandu', '2026-10-25', 'none'],
  ['Asia/Kathmandu', '2027-03-28', 'none'],
  ['Asia/Kathmandu', '2027-10-31', 'none'],
];

const plusDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;
const at = (date: string, time: string, zone: string) =>
  DateTime.fromISO(`${date}T${time}`, { zone }).toMillis();
const local = (ms: number | null, zone: string) =>
  ms === null ? 'never' : DateTime.fromMillis(ms, { zone }).toFormat('ccc yyyy-MM-dd HH:mm');
const office = { intervals: [1, 2, 3, 4, 5].map((day) => ({ day, from: '09:00', to: '17:00' })) };

describe.each(TABLE)('%s around %s (%s)', (zone, sunday, kind) => {
  const friday = plusDays(sunday, -2);
  const saturday = plusDays(sunday, -1);
  const monday = plusDays(sunday, 1);
  const tuesday = plusDays(sunday, 2);

  it('is a real change of the UTC offset on that Sunday (or none in Kathmandu)', () => {
    const before = DateTime.fromISO(`${saturday}T12:00`, { zone }).offset;
    const after = DateTime.fromISO(`${monday}T12:00`, { zone }).offset;
    const expected = kind === 'none' ? 0 : kind === 'spring' ? 60 : -60;
    expect(after - before).toBe(expected);
  });

  it('an email missing Friday’s window with a holiday Monday goes Tuesday 09:00, and says so', () => {
    const isHoliday = holidayPredicate({ dates: [monday], country: null, region: null });
    const start = at(friday, '17:30', zone);
    expect(local(nextOpenSlot(office, zone, isHoliday, start), zone)).toBe(`Tue ${tuesday} 09:00`);
    const decision = sendableAt(
      { scheduleId: 's', name: 'Office', hours: office, zone, zoneMode: 'recipient', isHoliday },
      start,
    );
    expect(decision).toMatchObject({ kind: 'later', at: at(tuesday, '09:00', zone) });
    expect(decision.kind === 'later' && decision.reason).toContain(`goes at Tue ${tuesday} 09:00`);
    // Inside the window on Tuesday: now.
    expect(
      sendableAt(
        { scheduleId: 's', name: 'Office', hours: office, zone, zoneMode: 'recipient', isHoliday },
        at(tuesday, '09:00', zone),
      ),
    ).toEqual({ kind: 'now' });
  });

  it('a daily 02:30 opening on the change day opens at 02:30, or 03:00 when 02:30 does not exist', () => {
    const early = { intervals: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, from: '02:30', to: '04:00' })) };
    const expected = kind === 'spring' ? `Sun ${sunday} 03:00` : `Sun ${sunday} 02:30`;
    expect(
      local(
        nextOpenSlot(early, zone, () => false, at(saturday, '05:00', zone)),
        zone,
      ),
    ).toBe(expected);
  });

  it('days waits keep the wall clock; hours waits are elapsed time', () => {
    const from = at(saturday, '02:30', zone);
    expect(local(calendarWaitEnd(from, { days: 1, hours: 0 }, zone), zone)).toBe(
      kind === 'spring' ? `Sun ${sunday} 03:00` : `Sun ${sunday} 02:30`,
    );
    expect(local(calendarWaitEnd(from, { days: 2, hours: 0 }, zone), zone)).toBe(`Mon ${monday} 02:30`);
    const noon = at(saturday, '12:00', zone);
    const elapsed = calendarWaitEnd(noon, { days: 0, hours: 24 }, zone);
    expect(elapsed - noon).toBe(24 * 3_600_000);
    expect(local(elapsed, zone)).toBe(
      `Sun ${sunday} ${kind === 'spring' ? '13:00' : kind === 'fall' ? '11:00' : '12:00'}`,
    );
  });

  it('working-day waits skip the weekend and a holiday Monday, at the same wall-clock time', () => {
    const calendar = { zone, days: [1, 2, 3, 4, 5], from: '00:00', to: '23:59', daysOff: [], holidays: [] };
    const start = at(friday, '02:30', zone);
    expect(local(workingWaitEnd(start, { days: 1, hours: 0 }, calendar), zone)).toBe(`Mon ${monday} 02:30`);
    expect(
      local(workingWaitEnd(start, { days: 1, hours: 0 }, { ...calendar, holidays: [monday] }), zone),
    ).toBe(`Tue ${tuesday} 02:30`);
    expect(local(workingWaitEnd(start, { days: 3, hours: 0 }, calendar), zone)).toBe(
      `Wed ${plusDays(sunday, 3)} 02:30`,
    );
  });
});
