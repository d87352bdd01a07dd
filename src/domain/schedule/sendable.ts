import { DateTime } from 'luxon';
import { closingTime, type IsHoliday, nextOpenSlot, type WeeklyHours, type ZoneMode } from './schedule.ts';

/** A schedule made concrete for one message: its hours, the zone they are read in, and its closed dates. */
export interface ResolvedSchedule {
  scheduleId: string;
  name: string;
  hours: WeeklyHours;
  zone: string;
  zoneMode: ZoneMode['kind'];
  isHoliday: IsHoliday;
}

export type Sendable =
  | { kind: 'now' }
  | { kind: 'later'; at: number; reason: string }
  | { kind: 'never'; reason: string };

/**
 * The one rule checked at the last moment before SMTP: may this message go at `now`? If not, when is the next
 * open slot, and why (a sentence for the outbox and timeline, in the schedule's zone).
 */
export function sendableAt(schedule: ResolvedSchedule, now: number): Sendable {
  const at = nextOpenSlot(schedule.hours, schedule.zone, schedule.isHoliday, now);
  if (at === null) return { kind: 'never', reason: `the schedule "${schedule.name}" never opens` };
  if (at === now) return { kind: 'now' };
  return {
    kind: 'later',
    at,
    reason: `outside the schedule "${schedule.name}"; goes at ${describeSlot(schedule, at)}`,
  };
}

/**
 * Where a limit (mailbox, domain, spacing) holds a message until `notBefore`, the time it really goes: the
 * first open slot at or after it, so a hold never spills past the window's end into closed time.
 */
export function afterLimit(schedule: ResolvedSchedule | undefined, notBefore: number): number {
  if (!schedule) return notBefore;
  return nextOpenSlot(schedule.hours, schedule.zone, schedule.isHoliday, notBefore) ?? notBefore;
}

/** Whether the slot that is open at `at` ends before `until` (used to explain a limit moving a message). */
export function closesBefore(schedule: ResolvedSchedule, at: number, until: number): boolean {
  const close = closingTime(schedule.hours, schedule.zone, schedule.isHoliday, at);
  return close !== null && close <= until;
}

const ZONE_LABEL: Record<ZoneMode['kind'], string> = {
  recipient: "recipient's time",
  seller: "seller's time",
  fixed: 'fixed zone',
};

/** "Mon 2026-03-09 09:00 (recipient's time, America/New_York)". */
export function describeSlot(schedule: Pick<ResolvedSchedule, 'zone' | 'zoneMode'>, at: number): string {
  const local = DateTime.fromMillis(at, { zone: schedule.zone }).toFormat('ccc yyyy-MM-dd HH:mm');
  return `${local} (${ZONE_LABEL[schedule.zoneMode]}, ${schedule.zone})`;
}
