import type { Kysely, Selectable } from 'kysely';
import type { Database, SchedulesTable } from '../schema.ts';

export type ScheduleRow = Selectable<SchedulesTable>;

export async function listSchedules(db: Kysely<Database>, orgId: string): Promise<ScheduleRow[]> {
  return db
    .selectFrom('schedules')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('is_default', 'desc')
    .orderBy('name')
    .execute();
}

export async function findSchedule(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<ScheduleRow | undefined> {
  return db
    .selectFrom('schedules')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The named schedules plus each listed organisation's default, in one statement (for a delivery batch). */
export async function loadSchedulesFor(
  db: Kysely<Database>,
  keys: { orgId: string; id: string }[],
): Promise<ScheduleRow[]> {
  const orgIds = [...new Set(keys.map((k) => k.orgId))];
  if (orgIds.length === 0) return [];
  return db
    .selectFrom('schedules')
    .selectAll()
    .where('org_id', 'in', orgIds)
    .where((eb) =>
      eb.or([
        eb('is_default', '=', 1),
        ...(keys.length > 0 ? [eb('id', 'in', [...new Set(keys.map((k) => k.id))])] : []),
      ]),
    )
    .execute();
}

/** Makes `id` the organisation's only default (or clears the default when id is null). */
async function setDefault(
  db: Kysely<Database>,
  orgId: string,
  id: string | null,
  now: number,
): Promise<void> {
  await db
    .updateTable('schedules')
    .set({ is_default: 0, updated_at: now })
    .where('org_id', '=', orgId)
    .where('is_default', '=', 1)
    .execute();
  if (id) {
    await db
      .updateTable('schedules')
      .set({ is_default: 1, updated_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }
}

export async function insertSchedule(db: Kysely<Database>, row: ScheduleRow): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (row.is_default === 1) await setDefault(trx, row.org_id, null, row.updated_at);
    await trx.insertInto('schedules').values(row).execute();
  });
}

export async function updateSchedule(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  change: Pick<
    ScheduleRow,
    'name' | 'is_default' | 'zone_mode' | 'zone' | 'intervals_json' | 'holidays_json'
  >,
  now: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (change.is_default === 1) await setDefault(trx, orgId, null, now);
    const result = await trx
      .updateTable('schedules')
      .set({ ...change, updated_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

export async function deleteSchedule(db: Kysely<Database>, orgId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('schedules')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Names of sequences whose working copy or any version mentions the schedule (a schedule in use). */
export async function sequencesUsingSchedule(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<string[]> {
  const pattern = `%"${id}"%`;
  const rows = await db
    .selectFrom('sequences')
    .select('name')
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        eb('draft_json', 'like', pattern),
        eb(
          'id',
          'in',
          eb
            .selectFrom('sequence_versions')
            .select('sequence_id')
            .where('org_id', '=', orgId)
            .where('definition_json', 'like', pattern),
        ),
      ]),
    )
    .orderBy('name')
    .execute();
  return rows.map((r) => r.name);
}

export interface ScheduleInputsRows {
  schedules: ScheduleRow[];
  records: {
    org_id: string;
    id: string;
    time_zone: string | null;
    custom_json: string;
    phone_business: string | null;
    phone_mobile: string | null;
  }[];
  users: { org_id: string; id: string; time_zone: string | null }[];
  orgs: { id: string; settings_json: string }[];
}

/**
 * Everything the schedule check of a delivery batch reads, in four set-based statements: the schedules the
 * messages name plus each organisation's default, and the zones of their records, senders and organisations.
 */
export async function loadScheduleInputs(
  db: Kysely<Database>,
  messages: {
    org_id: string;
    schedule_id: string | null;
    record_id: string | null;
    sender_user_id: string;
  }[],
  defaultMarker: string,
): Promise<ScheduleInputsRows> {
  const scheduled = messages.filter((m) => m.schedule_id !== null);
  if (scheduled.length === 0) return { schedules: [], records: [], users: [], orgs: [] };
  const orgIds = [...new Set(scheduled.map((m) => m.org_id))];
  const named = scheduled
    .filter((m) => m.schedule_id !== defaultMarker)
    .map((m) => ({ orgId: m.org_id, id: m.schedule_id as string }));
  const schedules = await loadSchedulesFor(db, [
    ...named,
    ...orgIds.map((orgId) => ({ orgId, id: defaultMarker })),
  ]);
  // Organisations without schedules (no default, no named one found) need nothing else.
  if (schedules.length === 0) return { schedules, records: [], users: [], orgs: [] };
  const recordIds = [...new Set(scheduled.flatMap((m) => (m.record_id ? [m.record_id] : [])))];
  const userIds = [...new Set(scheduled.map((m) => m.sender_user_id))];
  const records =
    recordIds.length === 0
      ? []
      : await db
          .selectFrom('records')
          .select(['org_id', 'id', 'time_zone', 'custom_json', 'phone_business', 'phone_mobile'])
          .where('org_id', 'in', orgIds)
          .where('id', 'in', recordIds)
          .execute();
  const users = await db
    .selectFrom('users')
    .select(['org_id', 'id', 'time_zone'])
    .where('org_id', 'in', orgIds)
    .where('id', 'in', userIds)
    .execute();
  const orgs = await db
    .selectFrom('orgs')
    .select(['id', 'settings_json'])
    .where('id', 'in', orgIds)
    .execute();
  return { schedules, records, users, orgs };
}
