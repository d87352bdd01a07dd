import { parseOrgSettings } from '../domain/org-settings.ts';
import { placeOf } from '../domain/schedule/infer-zone.ts';
import { ORG_DEFAULT_SCHEDULE } from '../domain/schedule/schedule.ts';
import { resolveSchedule, scheduleFromRow } from '../domain/schedule/schedule-record.ts';
import { afterLimit, type ResolvedSchedule, type Sendable, sendableAt } from '../domain/schedule/sendable.ts';
import type { Store } from '../store/db.ts';
import { loadScheduleInputs } from '../store/repos/schedules-repo.ts';

/**
 * The schedule check of mail delivery (issue 13): which schedule each automated email of a batch must be sent
 * in, read in which zone. Delivery asks `check(row, now)` right before a message would be handed to SMTP and
 * `afterLimit(row, notBefore)` when a mailbox/domain limit holds it. Messages without a schedule (manual and
 * test emails, or an organisation without a default) always pass.
 */
export interface ScheduleCheck {
  check(row: { id: string }, now: number): Sendable;
  afterLimit(row: { id: string }, notBefore: number): number;
}

type Message = {
  id: string;
  org_id: string;
  schedule_id: string | null;
  record_id: string | null;
  sender_user_id: string;
};

export async function loadScheduleCheck(db: Store['db'], messages: Message[]): Promise<ScheduleCheck> {
  const rows = await loadScheduleInputs(db, messages, ORG_DEFAULT_SCHEDULE);
  const byId = new Map(rows.schedules.map((s) => [`${s.org_id}/${s.id}`, scheduleFromRow(s)] as const));
  const defaults = new Map(
    rows.schedules.filter((s) => s.is_default === 1).map((s) => [s.org_id, scheduleFromRow(s)] as const),
  );
  const records = new Map(rows.records.map((r) => [`${r.org_id}/${r.id}`, r] as const));
  const users = new Map(rows.users.map((u) => [`${u.org_id}/${u.id}`, u] as const));
  const orgZones = new Map(rows.orgs.map((o) => [o.id, parseOrgSettings(o.settings_json).timeZone] as const));
  const resolved = new Map<string, ResolvedSchedule>();
  for (const m of messages) {
    if (m.schedule_id === null) continue;
    // A named schedule that was deleted falls back to the organisation's default.
    const schedule =
      (m.schedule_id !== ORG_DEFAULT_SCHEDULE ? byId.get(`${m.org_id}/${m.schedule_id}`) : undefined) ??
      defaults.get(m.org_id);
    if (!schedule) continue;
    const record = m.record_id ? records.get(`${m.org_id}/${m.record_id}`) : undefined;
    let custom: Record<string, unknown> = {};
    try {
      custom = JSON.parse(record?.custom_json ?? '{}') as Record<string, unknown>;
    } catch {
      custom = {};
    }
    resolved.set(
      m.id,
      resolveSchedule(schedule, {
        recordZone: record?.time_zone ?? null,
        place: placeOf(custom && typeof custom === 'object' ? custom : {}),
        phones: [record?.phone_business ?? null, record?.phone_mobile ?? null],
        sellerZone: users.get(`${m.org_id}/${m.sender_user_id}`)?.time_zone ?? null,
        orgZone: orgZones.get(m.org_id) ?? null,
      }),
    );
  }
  return {
    check(row, now) {
      const schedule = resolved.get(row.id);
      return schedule ? sendableAt(schedule, now) : { kind: 'now' };
    },
    afterLimit(row, notBefore) {
      return afterLimit(resolved.get(row.id), notBefore);
    },
  };
}
