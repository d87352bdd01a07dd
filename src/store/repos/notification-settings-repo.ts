import type { Kysely } from 'kysely';
import type { DigestFrequency, NotificationKind } from '../../domain/notifications/index.ts';
import type { Database } from '../schema.ts';

export interface NotificationSettings {
  kinds: NotificationKind[];
  frequency: DigestFrequency;
  dailyHour: number;
  enabledAt: number | null;
}

function parseKinds(json: string): NotificationKind[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value)
      ? (value.filter((kind) => typeof kind === 'string') as NotificationKind[])
      : [];
  } catch {
    return [];
  }
}

export async function findNotificationSettings(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<NotificationSettings | undefined> {
  const row = await db
    .selectFrom('notification_settings')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row
    ? {
        kinds: parseKinds(row.kinds_json),
        frequency: row.frequency,
        dailyHour: row.daily_hour,
        enabledAt: row.enabled_at,
      }
    : undefined;
}

/** Saves a user's choice; `enabledAt` is kept while digests stay on, set when they are turned on, cleared when off. */
export async function saveNotificationSettings(
  db: Kysely<Database>,
  input: {
    orgId: string;
    userId: string;
    kinds: NotificationKind[];
    frequency: DigestFrequency;
    dailyHour: number;
    now: number;
  },
): Promise<NotificationSettings> {
  const before = await findNotificationSettings(db, input.orgId, input.userId);
  const enabledAt =
    input.frequency === 'off' ? null : before && before.frequency !== 'off' ? before.enabledAt : input.now;
  const values = {
    kinds_json: JSON.stringify(input.kinds),
    frequency: input.frequency,
    daily_hour: input.dailyHour,
    enabled_at: enabledAt,
    updated_at: input.now,
  };
  await db
    .insertInto('notification_settings')
    .values({ org_id: input.orgId, user_id: input.userId, ...values })
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet(values))
    .execute();
  return { kinds: input.kinds, frequency: input.frequency, dailyHour: input.dailyHour, enabledAt };
}

export interface DigestSubscriber extends NotificationSettings {
  orgId: string;
  userId: string;
  email: string;
  name: string;
  locale: string;
  timeZone: string | null;
  /** The organisation's settings (its time zone is the user's while `timeZone` is null). */
  orgSettingsJson: string;
}

/** Active users with digests on, a page at a time (keyset by org and user). */
export async function digestSubscribers(
  db: Kysely<Database>,
  after: { orgId: string; userId: string } | null,
  limit: number,
): Promise<DigestSubscriber[]> {
  let query = db
    .selectFrom('notification_settings as s')
    .innerJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 's.org_id').onRef('u.id', '=', 's.user_id'),
    )
    .innerJoin('orgs as o', 'o.id', 's.org_id')
    .select([
      'o.settings_json',
      's.org_id',
      's.user_id',
      's.kinds_json',
      's.frequency',
      's.daily_hour',
      's.enabled_at',
      'u.email',
      'u.name',
      'u.locale',
      'u.time_zone',
    ])
    .where('s.frequency', '!=', 'off')
    .where('u.active', '=', 1);
  if (after) {
    const { orgId, userId } = after;
    query = query.where((eb) =>
      eb.or([eb('s.org_id', '>', orgId), eb.and([eb('s.org_id', '=', orgId), eb('s.user_id', '>', userId)])]),
    );
  }
  const rows = await query.orderBy('s.org_id').orderBy('s.user_id').limit(limit).execute();
  return rows.map((row) => ({
    orgId: row.org_id,
    userId: row.user_id,
    kinds: parseKinds(row.kinds_json),
    frequency: row.frequency,
    dailyHour: row.daily_hour,
    enabledAt: row.enabled_at,
    email: row.email,
    name: row.name,
    locale: row.locale,
    timeZone: row.time_zone,
    orgSettingsJson: row.settings_json,
  }));
}
