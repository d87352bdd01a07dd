import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** What decides the zone of each recipient: the records' zone, place and phones, senders' and orgs' zones. */
export interface RecipientZoneRows {
  records: {
    id: string;
    time_zone: string | null;
    custom_json: string;
    phone_business: string | null;
    phone_mobile: string | null;
  }[];
  users: { id: string; time_zone: string | null }[];
  orgSettingsJson: string | null;
}

/** Three set-based statements for one organisation's records and senders. */
export async function loadRecipientZoneRows(
  db: Kysely<Database>,
  orgId: string,
  recordIds: string[],
  userIds: string[],
): Promise<RecipientZoneRows> {
  const records =
    recordIds.length === 0
      ? []
      : await db
          .selectFrom('records')
          .select(['id', 'time_zone', 'custom_json', 'phone_business', 'phone_mobile'])
          .where('org_id', '=', orgId)
          .where('id', 'in', recordIds)
          .execute();
  const users =
    userIds.length === 0
      ? []
      : await db
          .selectFrom('users')
          .select(['id', 'time_zone'])
          .where('org_id', '=', orgId)
          .where('id', 'in', userIds)
          .execute();
  const org = await db.selectFrom('orgs').select('settings_json').where('id', '=', orgId).executeTakeFirst();
  return { records, users, orgSettingsJson: org?.settings_json ?? null };
}

/** The queued automated emails of one sequence (waiting for their time), soonest first. */
export async function listScheduledEmails(
  db: Kysely<Database>,
  orgId: string,
  filter: { sequenceId: string; senderIn: string[] | undefined; limit: number },
) {
  if (filter.senderIn?.length === 0) return [];
  let query = db
    .selectFrom('outbound_messages as m')
    .innerJoin('connections as c', (join) =>
      join.onRef('c.org_id', '=', 'm.org_id').onRef('c.id', '=', 'm.connection_id'),
    )
    .select([
      'm.id',
      'm.to_address',
      'm.subject',
      'm.record_id',
      'm.sender_user_id',
      'm.not_before',
      'm.hold_reason',
    ])
    .where('m.org_id', '=', orgId)
    .where('c.sequence_id', '=', filter.sequenceId)
    .where('m.status', '=', 'queued');
  if (filter.senderIn) query = query.where('m.sender_user_id', 'in', filter.senderIn);
  return query.orderBy('m.not_before', 'asc').orderBy('m.id', 'asc').limit(filter.limit).execute();
}
