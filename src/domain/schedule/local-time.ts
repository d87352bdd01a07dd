import { DateTime } from 'luxon';

/** A local calendar date `YYYY-MM-DD`. */
export type LocalDate = string;

/** "HH:MM" → minutes after midnight; "24:00" is the end of the day (1440). */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** The local date of an instant in `zone`. */
export function localDateOf(at: number, zone: string): LocalDate {
  return DateTime.fromMillis(at, { zone }).toISODate() ?? '1970-01-01';
}

/** `date` plus `days` calendar days (pure date arithmetic, no time zone involved). */
export function addDays(date: LocalDate, days: number): LocalDate {
  // Plain UTC date arithmetic for a valid `YYYY-MM-DD` in years 1000–9999 (the engine calls this per transition);
  // anything else goes through Luxon as before (an invalid date is returned unchanged).
  const match = ISO_DATE.exec(date);
  if (match && Number.isInteger(days)) {
    const year = Number(match[1]);
    const month = Number(match[2]) - 1;
    const day = Number(match[3]);
    const at = new Date(Date.UTC(year, month, day));
    if (year >= 1000 && at.getUTCMonth() === month && at.getUTCDate() === day) {
      at.setUTCDate(day + days);
      const y = at.getUTCFullYear();
      if (y >= 1000 && y <= 9999) return at.toISOString().slice(0, 10);
    }
  }
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() ?? date;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** ISO weekday of a local date: 1 = Monday … 7 = Sunday. */
export function weekdayOf(date: LocalDate): number {
  return DateTime.fromISO(date, { zone: 'UTC' }).weekday;
}

/**
 * The instant at which the wall clock in `zone` reads `minutes` after midnight on `date`, DST-exact:
 * - a time that does not exist (inside a spring-forward gap, e.g. 02:30 in New York on the second Sunday of
 *   March) resolves to the first valid instant after it, the end of the gap (03:00), not Luxon's 03:30;
 * - a time that exists twice (fall back) resolves to its first occurrence;
 * - 1440 ("24:00") is midnight at the start of the next day.
 */
export function localInstant(date: LocalDate, minutes: number, zone: string): number {
  if (minutes >= 1440) return localInstant(addDays(date, Math.floor(minutes / 1440)), minutes % 1440, zone);
  const [year = 1970, month = 1, day = 1] = date.split('-').map(Number);
  const wall = Date.UTC(year, month - 1, day, Math.floor(minutes / 60), minutes % 60);
  const offsetAt = (t: number) => DateTime.fromMillis(t, { zone }).offset * 60_000;
  // A DST change moves the offset by at most a few hours: the offsets 12 hours either side cover both readings.
  const before = wall - offsetAt(wall - 12 * 3_600_000);
  const after = wall - offsetAt(wall + 12 * 3_600_000);
  const reads = (t: number) => t + offsetAt(t) === wall;
  const candidates = [before, after].filter(reads).sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0] as number;
  // In a gap: the wall clock jumps over `wall`. The transition lies between the two candidate instants; the
  // first instant whose reading is past `wall` is the end of the gap. Bisection to the millisecond.
  let lo = Math.min(before, after);
  let hi = Math.max(before, after);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid + offsetAt(mid) > wall) hi = mid;
    else lo = mid;
  }
  return hi;
}
