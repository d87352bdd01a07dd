import type { Kysely } from 'kysely';
import type { Database, Flag } from '../schema.ts';

/** A seller's personal signature (sanitised HTML before it gets here) and whether automated emails carry it. */
export interface Signature {
  html: string;
  automated: boolean;
}

export async function findSignature(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<Signature | undefined> {
  const row = await db
    .selectFrom('user_signatures')
    .select(['html', 'automated'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? { html: row.html, automated: row.automated === 1 } : undefined;
}

/** Signatures of several senders of one organisation, by user id (one query for a batch of emails). */
export async function findSignatures(
  db: Kysely<Database>,
  orgId: string,
  userIds: string[],
): Promise<Map<string, Signature>> {
  const out = new Map<string, Signature>();
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom('user_signatures')
    .select(['user_id', 'html', 'automated'])
    .where('org_id', '=', orgId)
    .where('user_id', 'in', userIds)
    .execute();
  for (const row of rows) out.set(row.user_id, { html: row.html, automated: row.automated === 1 });
  return out;
}

export async function saveSignature(
  db: Kysely<Database>,
  input: { orgId: string; userId: string; html: string; automated: boolean; now: number },
): Promise<void> {
  const automated: Flag = input.automated ? 1 : 0;
  await db
    .insertInto('user_signatures')
    .values({
      org_id: input.orgId,
      user_id: input.userId,
      html: input.html,
      automated,
      updated_at: input.now,
    })
    .onConflict((oc) =>
      oc.columns(['org_id', 'user_id']).doUpdateSet({ html: input.html, automated, updated_at: input.now }),
    )
    .execute();
}
