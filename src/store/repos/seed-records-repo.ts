import type { Kysely } from 'kysely';
import type { RecordType } from '../../domain/sequence/definition.ts';
import type { Database } from '../schema.ts';

/** Ids of up to `limit` open records of a type owned by one user, oldest first (demo seeding). */
export async function openRecordIdsOfOwner(
  db: Kysely<Database>,
  orgId: string,
  ownerId: string,
  type: RecordType,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('records')
    .select('id')
    .where('org_id', '=', orgId)
    .where('owner_id', '=', ownerId)
    .where('type', '=', type)
    .where('status', '=', 'open')
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}
