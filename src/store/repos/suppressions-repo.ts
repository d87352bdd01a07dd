import type { Kysely } from 'kysely';
import { suppressionKey } from '../../domain/connect/suppression.ts';
import type { Database, EmailSuppressionsTable } from '../schema.ts';

/** Puts an address on the organisation's suppression list; the first reason is kept. */
export async function suppressAddress(
  db: Kysely<Database>,
  input: {
    orgId: string;
    address: string | null;
    reason: EmailSuppressionsTable['reason'];
    sourceMessageId: string | null;
    now: number;
  },
): Promise<void> {
  const address = suppressionKey(input.address);
  if (!address) return;
  await db
    .insertInto('email_suppressions')
    .values({
      org_id: input.orgId,
      address,
      reason: input.reason,
      source_message_id: input.sourceMessageId,
      created_at: input.now,
    })
    .onConflict((oc) => oc.columns(['org_id', 'address']).doNothing())
    .execute();
}

/** Which of these addresses are suppressed, as suppression keys (one query). */
export async function suppressedAmong(
  db: Kysely<Database>,
  orgId: string,
  addresses: (string | null)[],
): Promise<Set<string>> {
  const keys = [...new Set(addresses.map(suppressionKey).filter((key): key is string => key !== null))];
  const found = new Set<string>();
  for (let start = 0; start < keys.length; start += 500) {
    const rows = await db
      .selectFrom('email_suppressions')
      .select('address')
      .where('org_id', '=', orgId)
      .where('address', 'in', keys.slice(start, start + 500))
      .execute();
    for (const row of rows) found.add(row.address);
  }
  return found;
}
