import { DateTime } from 'luxon';
import { addDays, localDateOf, localInstant } from './local-time.ts';
import { isUsableCalendar, isWorkingDate, minutesOfDay, type WorkingCalendar } from './working-calendar.ts';

export interface WaitLength {
  days: number;
  hours: number;
}

/** Guards every day-by-day walk: more than ten years of non-working days means a broken calendar. */
const MAX_DAYS_WALKED = 3660;
const MINUTE = 60_000;

/** Wall-clock time of `at` in `zone`: local date, minutes after midnight and the rest (seconds, ms). */
function wallClock(at: number, zone: string): { date: string; minutes: number; rest: number } {
  const local = DateTime.fromMillis(at, { zone });
  return {
    date: local.toISODate() ?? '1970-01-01',
    minutes: local.hour * 60 + local.minute,
    rest: local.second * 1000 + local.millisecond,
  };
}

/**
 * Calendar wait: `days` are local calendar days (the wall-clock time is kept across DST changes; a time that
 * does not exist on the target day becomes the first valid instant after it), `hours` are elapsed hours.
 */
export function calendarWaitEnd(start: number, wait: WaitLength, zone: string): number {
  // An engine batch advances many connections at the same `now` into the same wait: the answer is computed once.
  const key = `${start}|${wait.days}|${wait.hours}|${zone}`;
  const known = calendarEnds.get(key);
  if (known !== undefined) return known;
  const base =
    wait.days > 0
      ? (() => {
          const wall = wallClock(start, zone);
          return localInstant(addDays(wall.date, wait.days), wall.minutes, zone) + wall.rest;
        })()
      : start;
  const end = base + wait.hours * 3_600_000;
  if (calendarEnds.size >= CALENDAR_ENDS_KEPT) calendarEnds.clear();
  calendarEnds.set(key, end);
  return end;
}

/** Recent calendar wait ends by start, length and zone (a pure function's answers; bounded). */
const calendarEnds = new Map<string, number>();
const CALENDAR_ENDS_KEPT = 1000;

/**
 * Working-time wait ("skip non-working days"): `days` count working days (weekends, days off and holidays are
 * skipped, the start's wall-clock time is kept on the target day — never a time a DST change shifted on a day in
 * between), then `hours` count elapsed working time inside the seller's working hours. The result always lies
 * inside working time; a start outside working time counts from the next working moment.
 * A calendar without working time falls back to the calendar wait.
 */
export function workingWaitEnd(start: number, wait: WaitLength, calendar: WorkingCalendar): number {
  if (!isUsableCalendar(calendar)) return calendarWaitEnd(start, wait, calendar.zone);
  const { zone } = calendar;
  let cursor = start;
  if (wait.days > 0) {
    const wall = wallClock(start, zone);
    let date = wall.date;
    let counted = 0;
    for (let walked = 0; counted < wait.days && walked < MAX_DAYS_WALKED; walked++) {
      date = addDays(date, 1);
      if (isWorkingDate(date, calendar)) counted++;
    }
    cursor = localInstant(date, wall.minutes, zone) + wall.rest;
  }
  let remaining = wait.hours * 60 * MINUTE;
  cursor = nextWorkingMoment(cursor, calendar);
  for (let walked = 0; remaining > 0 && walked < MAX_DAYS_WALKED; walked++) {
    const dayEnd = localInstant(localDateOf(cursor, zone), minutesOfDay(calendar.to), zone);
    const available = dayEnd - cursor;
    if (remaining <= available) return cursor + remaining;
    remaining -= available;
    cursor = nextWorkingMoment(dayEnd, calendar);
  }
  return cursor;
}

/** `at` itself when it is inside working time, else the start of the next working period (DST-exact). */
export function nextWorkingMoment(at: number, calendar: WorkingCalendar): number {
  const { zone } = calendar;
  let date = localDateOf(at, zone);
  for (let walked = 0; walked < MAX_DAYS_WALKED; walked++) {
    if (isWorkingDate(date, calendar)) {
      const open = localInstant(date, minutesOfDay(calendar.from), zone);
      const close = localInstant(date, minutesOfDay(calendar.to), zone);
      if (at < open) return open;
      if (at < close) return at;
    }
    date = addDays(date, 1);
  }
  return at;
}
