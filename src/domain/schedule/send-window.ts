import { hoursOfSendWindow, nextOpenSlot } from './schedule.ts';

export interface SendWindow {
  from: string;
  to: string;
}

/**
 * Legacy daily send window (sequence option `sendWindow`, kept for definitions written before schedules): the
 * first moment at or after `at` inside the window, every day, in `zone`. A window whose `from` is after its `to`
 * spans midnight (e.g. 22:00–06:00). A null window means "any time". DST-exact (see `nextOpenSlot`).
 */
export function moveIntoSendWindow(at: number, window: SendWindow | null, zone: string): number {
  if (!window) return at;
  return nextOpenSlot({ intervals: hoursOfSendWindow(window) }, zone, () => false, at) ?? at;
}
