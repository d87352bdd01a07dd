import type { Kysely } from 'kysely';
import type { Database, SuppressionReason, SuppressionsTable } from '../schema.ts';

/**
 * The organisation's suppression list: stored here, decided elsewhere (the inbound classifier adds hard bounces
 * and complaints; connect and delivery refuse what is on it; admins list, search and remove).
 */

export type SuppressionRow = SuppressionsTable;

export function suppressionAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** Adds the address; true when it was not on the list yet (the first reason is kept). */
export async function addSuppression(
  db: Kysely<Database>,
  input: {
    orgId: string;
    address: string;
    reason: SuppressionReason;
    detail: string | null;
    outboundMessageId: string | null;
    createdBy: string | null;
    now: number;
  },
): Promise<boolean> {
  const result = await db
    .insertInto('suppressions')
    .values({
      org_id: input.orgId,
      address: suppressionAddress(input.address),
      reason: input.reason,
      detail: input.detail?.slice(0, 1000) ?? null,
      outbound_message_id: input.outboundMessageId,
      created_by: input.createdBy,
      created_at: input.now,
    })
    .onConflict((oc) => oc.columns(['org_id', 'address']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The rows for those of the given addresses that are suppressed, by address. */
export async function findSuppressions(
  db: Kysely<Database>,
  orgId: string,
  addresses: string[],
): Promise<Map<string, SuppressionRow>> {
  const wanted = [...new Set(addresses.map(suppressionAddress).filter(Boolean))];
  const found = new Map<string, SuppressionRow>();
  for (let i = 0; i < wanted.length; i += 500) {
    const rows = await db
      .selectFrom('suppressions')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('address', 'in', wanted.slice(i, i + 500))
      .execute();
    for (const row of rows) found.set(row.address, { ...row, created_at: Number(row.created_at) });
  }
  return found;
}

export async function listSuppressions(
  db: Kysely<Database>,
  orgId: string,
  options: { search?: string; limit: number; after?: { at: number; address: string } },
): Promise<SuppressionRow[]> {
  let query = db.selectFrom('suppressions').selectAll().where('org_id', '=', orgId);
  if (options.search)
    query = query.where('address', 'like', `%${options.search.toLowerCase().replace(/[%_]/g, '')}%`);
  const after = options.after;
  if (after) {
    // Newest first, then by address: the page after (at, address).
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', after.at),
        eb.and([eb('created_at', '=', after.at), eb('address', '>', after.address)]),
      ]),
    );
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('address').limit(options.limit).execute();
  return rows.map((row) => ({ ...row, created_at: Number(row.created_at) }));
}

/** True when the address was on the list. */
export async function removeSuppression(
  db: Kysely<Database>,
  orgId: string,
  address: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('suppressions')
    .where('org_id', '=', orgId)
    .where('address', '=', suppressionAddress(address))
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
