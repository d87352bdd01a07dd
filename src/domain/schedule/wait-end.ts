import { DateTime } from 'luxon';
import {
  atTimeOfDay,
  isUsableCalendar,
  isWorkingDay,
  minutesOfDay,
  type WorkingCalendar,
} from './working-calendar.ts';

export interface WaitLength {
  days: number;
  hours: number;
}

/** Guards every day-by-day walk: more than ten years of non-working days means a broken calendar. */
const MAX_DAYS_WALKED = 3660;

/**
 * Calendar wait: `days` are local calendar days (the wall-clock time is kept across DST changes), `hours` are
 * elapsed hours. Computed in `zone` with Luxon, never with a fixed offset.
 */
export function calendarWaitEnd(start: number, wait: WaitLength, zone: string): number {
  return DateTime.fromMillis(start, { zone })
    .plus({ days: wait.days })
    .plus({ hours: wait.hours })
    .toMillis();
}

/**
 * Working-time wait ("skip non-working days"): `days` count working days (weekends, days off and holidays are
 * skipped, the wall-clock time is kept), then `hours` count working hours inside the seller's working hours.
 * The result always lies inside working time; a start outside working time counts from the next working moment.
 * A calendar without working time falls back to the calendar wait.
 */
export function workingWaitEnd(start: number, wait: WaitLength, calendar: WorkingCalendar): number {
  if (!isUsableCalendar(calendar)) return calendarWaitEnd(start, wait, calendar.zone);
  let cursor: DateTime<boolean> = DateTime.fromMillis(start, { zone: calendar.zone });
  let counted = 0;
  for (let walked = 0; counted < wait.days && walked < MAX_DAYS_WALKED; walked++) {
    cursor = cursor.plus({ days: 1 });
    if (isWorkingDay(cursor, calendar)) counted++;
  }
  let remaining = wait.hours * 60;
  cursor = nextWorkingMoment(cursor, calendar);
  for (let walked = 0; remaining > 0 && walked < MAX_DAYS_WALKED; walked++) {
    const dayEnd = atTimeOfDay(cursor, calendar.to);
    const available = dayEnd.diff(cursor, 'minutes').minutes;
    if (remaining <= available) return cursor.plus({ minutes: remaining }).toMillis();
    remaining -= available;
    cursor = nextWorkingMoment(atTimeOfDay(cursor, '00:00').plus({ days: 1 }), calendar);
  }
  return cursor.toMillis();
}

/** `at` itself when it is inside working time, else the start of the next working period. */
export function nextWorkingMoment(at: DateTime<boolean>, calendar: WorkingCalendar): DateTime<boolean> {
  let day = at;
  for (let walked = 0; walked < MAX_DAYS_WALKED; walked++) {
    if (isWorkingDay(day, calendar)) {
      const minute = day.hour * 60 + day.minute;
      if (walked > 0 || minute < minutesOfDay(calendar.from)) return atTimeOfDay(day, calendar.from);
      if (minute < minutesOfDay(calendar.to)) return day;
    }
    day = atTimeOfDay(day, '00:00').plus({ days: 1 });
  }
  return at;
}
