import { z } from 'zod';
import { addDays, type LocalDate, localDateOf, localInstant, minutesOf, weekdayOf } from './local-time.ts';

/**
 * A schedule says when automated emails may be handed to SMTP: days of the week with one or more intervals each,
 * a holiday calendar, and whose time zone the hours are read in. Pure: no clock, no I/O.
 */
const TimeSchema = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'Use HH:MM, 24-hour (24:00 = end of day)');

export const IntervalSchema = z
  .strictObject({
    /** ISO weekday: 1 = Monday … 7 = Sunday. */
    day: z.number().int().min(1).max(7),
    from: TimeSchema,
    to: TimeSchema,
  })
  .refine((i) => minutesOf(i.from) < minutesOf(i.to), {
    message: '"from" must be before "to"',
    path: ['to'],
  });
export type Interval = z.infer<typeof IntervalSchema>;

export const ZoneModeSchema = z.discriminatedUnion('kind', [
  /** The recipient's zone: the record's, inferred, else the seller's, else the organisation's. */
  z.strictObject({ kind: z.literal('recipient') }),
  /** The sending seller's zone, else the organisation's. */
  z.strictObject({ kind: z.literal('seller') }),
  z.strictObject({ kind: z.literal('fixed'), zone: z.string().min(1).max(64) }),
]);
export type ZoneMode = z.infer<typeof ZoneModeSchema>;

export const HolidayCalendarSchema = z.strictObject({
  /** Organisation-entered closed dates, local `YYYY-MM-DD`. */
  dates: z
    .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/))
    .max(1000)
    .default([]),
  /** Public holidays of a country (ISO 3166-1 alpha-2, e.g. "US") and optionally a region ("NY"). */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .nullable()
    .default(null),
  region: z
    .string()
    .regex(/^[A-Z0-9]{1,4}$/)
    .nullable()
    .default(null),
});
export type HolidayCalendar = z.infer<typeof HolidayCalendarSchema>;

/** `outbound_messages.schedule_id` of an automated email whose sequence picks no schedule. */
export const ORG_DEFAULT_SCHEDULE = 'org-default';

export interface WeeklyHours {
  intervals: readonly Interval[];
}

/** Closed dates as a predicate (a Set's `has` works). */
export type IsHoliday = (date: LocalDate) => boolean;

/** More than a year without an open minute means the schedule can never open. */
const MAX_DAYS_AHEAD = 400;

/** The intervals of one weekday, sorted, as [open, close) minute pairs; overlaps merged. */
function dayIntervals(hours: WeeklyHours, weekday: number): [number, number][] {
  const list = hours.intervals
    .filter((i) => i.day === weekday)
    .map((i): [number, number] => [minutesOf(i.from), minutesOf(i.to)])
    .filter(([a, b]) => a < b)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [a, b] of list) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/**
 * The first instant at or after `now` when the schedule is open in `zone`, or null when it never opens.
 * Opening and closing times are wall-clock times of each local date (DST-exact: an opening inside a
 * spring-forward gap opens at the gap's end, e.g. 03:00; see `localInstant`). Holidays close the whole day.
 */
export function nextOpenSlot(
  hours: WeeklyHours,
  zone: string,
  isHoliday: IsHoliday,
  now: number,
): number | null {
  const today = localDateOf(now, zone);
  for (let offset = 0; offset <= MAX_DAYS_AHEAD; offset++) {
    const date = addDays(today, offset);
    if (isHoliday(date)) continue;
    for (const [from, to] of dayIntervals(hours, weekdayOf(date))) {
      const open = localInstant(date, from, zone);
      const close = localInstant(date, to, zone);
      if (close > now && open < close) return Math.max(open, now);
    }
  }
  return null;
}

/** True when `now` lies inside an open interval of the schedule (and not on a holiday). */
export function isOpen(hours: WeeklyHours, zone: string, isHoliday: IsHoliday, now: number): boolean {
  return nextOpenSlot(hours, zone, isHoliday, now) === now;
}

/** The end of the open interval containing `at` (or null when `at` is not open). */
export function closingTime(
  hours: WeeklyHours,
  zone: string,
  isHoliday: IsHoliday,
  at: number,
): number | null {
  const date = localDateOf(at, zone);
  if (isHoliday(date)) return null;
  for (const [from, to] of dayIntervals(hours, weekdayOf(date))) {
    const open = localInstant(date, from, zone);
    const close = localInstant(date, to, zone);
    if (open <= at && at < close) return close;
  }
  return null;
}

/** Weekly hours of a legacy daily send window (every day; a window across midnight becomes two intervals). */
export function hoursOfSendWindow(
  window: { from: string; to: string },
  days = [1, 2, 3, 4, 5, 6, 7],
): Interval[] {
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  if (from === to) return days.map((day) => ({ day, from: '00:00', to: '24:00' }));
  if (from < to) return days.map((day) => ({ day, from: window.from, to: window.to }));
  return days.flatMap((day) => [
    { day, from: '00:00', to: window.to },
    { day, from: window.from, to: '24:00' },
  ]);
}
