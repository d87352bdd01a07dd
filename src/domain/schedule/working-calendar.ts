import type { DateTime } from 'luxon';

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

export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** True when the local date of `day` is a weekday the seller works and not a day off or holiday. */
export function isWorkingDay(day: DateTime<boolean>, calendar: WorkingCalendar): boolean {
  if (!calendar.days.includes(day.weekday)) return false;
  const date = day.toISODate();
  return !calendar.daysOff.includes(date ?? '') && !calendar.holidays.includes(date ?? '');
}

/** The calendar has at least one working weekday and a non-empty working day. */
export function isUsableCalendar(calendar: WorkingCalendar): boolean {
  return calendar.days.length > 0 && minutesOfDay(calendar.to) > minutesOfDay(calendar.from);
}

/** Local wall-clock time `hhmm` on the local date of `day` (Luxon resolves DST gaps forward). */
export function atTimeOfDay(day: DateTime<boolean>, hhmm: string): DateTime<boolean> {
  const minutes = minutesOfDay(hhmm);
  return day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
}
