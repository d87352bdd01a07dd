import { DateTime } from 'luxon';
import { atTimeOfDay, minutesOfDay } from './working-calendar.ts';

export interface SendWindow {
  from: string;
  to: string;
}

/**
 * The first moment at or after `at` inside the daily send window, in `zone` (the record's). A window whose
 * `from` is after its `to` spans midnight (e.g. 22:00–06:00). A null window means "any time".
 * Opening times are local wall-clock times, so a DST change never moves a send by an hour.
 */
export function moveIntoSendWindow(at: number, window: SendWindow | null, zone: string): number {
  if (!window) return at;
  const from = minutesOfDay(window.from);
  const to = minutesOfDay(window.to);
  if (from === to) return at;
  const local = DateTime.fromMillis(at, { zone });
  const minute = local.hour * 60 + local.minute;
  const inside = from < to ? minute >= from && minute < to : minute >= from || minute < to;
  if (inside) return at;
  const today = atTimeOfDay(local, window.from);
  // Before today's opening → today; after it (the window has passed today) → tomorrow's opening.
  return (minute < from ? today : atTimeOfDay(local.plus({ days: 1 }), window.from)).toMillis();
}
