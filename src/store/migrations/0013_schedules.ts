import { type Kysely, sql } from 'kysely';
import { newId } from '../ids.ts';

// Shipped migration: never edit it; add a new file instead.

/**
 * Schedules (issue 13): named weekly hours + holiday calendar + zone mode per organisation, at most one the
 * organisation's default; outbound messages remember the schedule they were queued under.
 * Existing sequence send windows (`options.sendWindow`) become schedules: one per organisation and window,
 * on the organisation's working days with its holidays, in the recipient's time; the sequences' drafts and
 * versions point at it instead.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('schedules')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('zone_mode', 'text', (c) => c.notNull())
    .addColumn('zone', 'text')
    .addColumn('intervals_json', 'text', (c) => c.notNull())
    .addColumn('holidays_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('schedules_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('schedules_org_name')
    .on('schedules')
    .columns(['org_id', 'name'])
    .unique()
    .execute();
  await db.schema
    .createIndex('schedules_org_default')
    .on('schedules')
    .column('org_id')
    .unique()
    .where(sql.ref('is_default'), '=', 1)
    .execute();
  await db.schema.alterTable('outbound_messages').addColumn('schedule_id', 'text').execute();
  await migrateSendWindows(db);
  // Users were created with a copy of the built-in hours and so ignored the organisation's working hours; those
  // copies now mean "follow the organisation" (users who set other hours keep theirs).
  await inheritOrgHours(db);
}

async function inheritOrgHours(untyped: Kysely<unknown>): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on the current schema types
  const db = untyped as Kysely<any>;
  await db
    .updateTable('users')
    .set({ working_hours_json: '{}' })
    .where('working_hours_json', 'in', [
      '{"days":[1,2,3,4,5],"from":"09:00","to":"17:00","daysOff":[]}',
      '{"days":[1,2,3,4,5],"from":"09:00","to":"17:00"}',
    ])
    .execute();
}

interface Window {
  from: string;
  to: string;
}

function parse(json: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function windowOf(definition: Record<string, unknown> | null): Window | null {
  const options = definition?.options as Record<string, unknown> | undefined;
  const w = options?.sendWindow as Record<string, unknown> | null | undefined;
  return w && typeof w.from === 'string' && typeof w.to === 'string' ? { from: w.from, to: w.to } : null;
}

function intervalsFor(window: Window, days: number[]): { day: number; from: string; to: string }[] {
  if (window.from === window.to) return days.map((day) => ({ day, from: '00:00', to: '24:00' }));
  if (window.from < window.to) return days.map((day) => ({ day, from: window.from, to: window.to }));
  return days.flatMap((day) => [
    { day, from: '00:00', to: window.to },
    { day, from: window.from, to: '24:00' },
  ]);
}

async function migrateSendWindows(untyped: Kysely<unknown>): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on the current schema types
  const db = untyped as Kysely<any>;
  const now = Date.now();
  const created = new Map<string, string>();
  const scheduleFor = async (orgId: string, window: Window): Promise<string> => {
    const key = `${orgId}/${window.from}/${window.to}`;
    const known = created.get(key);
    if (known) return known;
    const org = await db
      .selectFrom('orgs')
      .select('settings_json')
      .where('id', '=', orgId)
      .executeTakeFirst();
    const settings = parse(org?.settings_json ?? '{}') ?? {};
    const hours = settings.workingHours as { days?: unknown } | undefined;
    const days =
      Array.isArray(hours?.days) && hours.days.length > 0 ? (hours.days as number[]) : [1, 2, 3, 4, 5];
    const holidays = Array.isArray(settings.holidays)
      ? settings.holidays.filter((d) => typeof d === 'string')
      : [];
    const id = newId(now);
    await db
      .insertInto('schedules')
      .values({
        org_id: orgId,
        id,
        name: `Send window ${window.from}–${window.to}`,
        is_default: 0,
        zone_mode: 'recipient',
        zone: null,
        intervals_json: JSON.stringify(intervalsFor(window, days)),
        holidays_json: JSON.stringify({ dates: holidays, country: null, region: null }),
        created_at: now,
        updated_at: now,
      })
      .execute();
    created.set(key, id);
    return id;
  };
  const rewrite = (definition: Record<string, unknown>, scheduleId: string): string => {
    const options = { ...(definition.options as Record<string, unknown>), sendWindow: null, scheduleId };
    return JSON.stringify({ ...definition, options });
  };
  const sequences = await db.selectFrom('sequences').select(['org_id', 'id', 'draft_json']).execute();
  for (const s of sequences) {
    const definition = parse(s.draft_json);
    const window = windowOf(definition);
    if (!definition || !window) continue;
    const draft = rewrite(definition, await scheduleFor(s.org_id, window));
    await db
      .updateTable('sequences')
      .set({ draft_json: draft })
      .where('org_id', '=', s.org_id)
      .where('id', '=', s.id)
      .execute();
  }
  const versions = await db
    .selectFrom('sequence_versions')
    .select(['org_id', 'id', 'definition_json'])
    .execute();
  for (const v of versions) {
    const definition = parse(v.definition_json);
    const window = windowOf(definition);
    if (!definition || !window) continue;
    const json = rewrite(definition, await scheduleFor(v.org_id, window));
    await db
      .updateTable('sequence_versions')
      .set({ definition_json: json })
      .where('org_id', '=', v.org_id)
      .where('id', '=', v.id)
      .execute();
  }
}
