import { addDays, localDateOf, localInstant, weekdayOf } from '../schedule/local-time.ts';

/** The snooze choices a seller picks with one click (SPEC §7), computed in the seller's own time zone. */
export const SNOOZE_PRESETS = ['later_today', 'tomorrow_morning', 'next_week'] as const;
export type SnoozePreset = (typeof SNOOZE_PRESETS)[number];

/** "Morning" is 09:00 on the seller's wall clock. */
const MORNING = 9 * 60;
/** "Later today" is three hours on, on the quarter hour, offered until 18:00 local (after that: tomorrow). */
const LATER_MS = 3 * 3_600_000;
const LATEST_LATER_TODAY = 18 * 60;
const QUARTER = 15 * 60_000;

/**
 * When each preset ends, for `now` in `zone`: later today (in three hours, only while that is still before
 * the evening), tomorrow morning (09:00 the next day) and next week (Monday 09:00 of the coming week). DST-exact:
 * wall-clock times are turned into instants at their own date, not with today's offset.
 */
export function snoozePresets(now: number, zone: string): { preset: SnoozePreset; until: number }[] {
  const today = localDateOf(now, zone);
  const presets: { preset: SnoozePreset; until: number }[] = [];
  const later = Math.ceil((now + LATER_MS) / QUARTER) * QUARTER;
  if (localDateOf(later, zone) === today && later <= localInstant(today, LATEST_LATER_TODAY, zone)) {
    presets.push({ preset: 'later_today', until: later });
  }
  presets.push({ preset: 'tomorrow_morning', until: localInstant(addDays(today, 1), MORNING, zone) });
  presets.push({
    preset: 'next_week',
    until: localInstant(addDays(today, 8 - weekdayOf(today)), MORNING, zone),
  });
  return presets;
}
