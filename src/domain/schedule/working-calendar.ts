import { minutesOf, weekdayOf } from './local-time.ts';

/**
 * When a seller works: ISO weekdays (1 = Monday … 7 = Sunday), daily hours in the seller's zone, personal days
 * off and the organisation's holidays (both as local dates `YYYY-MM-DD`).
 */
export interface WorkingCalendar {
  zone: string;
  days: number[];
  from: string;
  to: string;
  daysOff: string[];
  holidays: string[];
}

export const DEFAULT_WORKING_HOURS = { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' } as const;

export const minutesOfDay = minutesOf;

/** True when the local date `YYYY-MM-DD` is a weekday the seller works and not a day off or holiday. */
export function isWorkingDate(date: string, calendar: WorkingCalendar): boolean {
  if (!calendar.days.includes(weekdayOf(date))) return false;
  return !calendar.daysOff.includes(date) && !calendar.holidays.includes(date);
}

/** The calendar has at least one working weekday and a non-empty working day. */
export function isUsableCalendar(calendar: WorkingCalendar): boolean {
  return calendar.days.length > 0 && minutesOfDay(calendar.to) > minutesOfDay(calendar.from);
}
