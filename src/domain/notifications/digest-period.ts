import { DateTime } from 'luxon';

/**
 * The email digest's periods. A digest for a period carries every not-yet-mailed notification (of the chosen
 * kinds) created before the period's start; one digest per user and period. Pure: `now` and the zone are
 * arguments.
 * - hourly: periods start on the hour, in the user's zone (zones with half-hour offsets start on their hour);
 * - daily: periods start at `dailyHour`:00 local time, every day (a DST gap moves the start to the next valid
 *   time, as luxon does).
 */
export const DIGEST_FREQUENCIES = ['off', 'hourly', 'daily'] as const;
export type DigestFrequency = (typeof DIGEST_FREQUENCIES)[number];

export interface DigestPeriod {
  /** Unique per user: `hourly:2026-11-29T17:00` or `daily:2026-11-29` (local). */
  key: string;
  /** Epoch ms when the period began: notifications before it are due in this digest. */
  start: number;
}

function zoned(now: number, timeZone: string | null): DateTime {
  const local = DateTime.fromMillis(now, { zone: timeZone ?? 'UTC' });
  return local.isValid ? local : DateTime.fromMillis(now, { zone: 'UTC' });
}

/** The period `now` falls in, or null when digests are off. */
export function currentDigestPeriod(
  settings: { frequency: DigestFrequency; dailyHour: number },
  now: number,
  timeZone: string | null,
): DigestPeriod | null {
  const local = zoned(now, timeZone);
  switch (settings.frequency) {
    case 'off':
      return null;
    case 'hourly': {
      const start = local.startOf('hour');
      return { key: `hourly:${start.toFormat("yyyy-MM-dd'T'HH:mm")}`, start: start.toMillis() };
    }
    case 'daily': {
      let start = local.startOf('day').set({ hour: settings.dailyHour });
      if (start.toMillis() > now)
        start = local.minus({ days: 1 }).startOf('day').set({ hour: settings.dailyHour });
      return { key: `daily:${start.toFormat('yyyy-MM-dd')}`, start: start.toMillis() };
    }
    default: {
      const never: never = settings.frequency;
      return never;
    }
  }
}
