import type { Kysely, Selectable } from 'kysely';
import type { Database, ImapSyncTable } from '../schema.ts';

export type ImapSyncRow = Selectable<ImapSyncTable>;

type MailboxKey = { orgId: string; mailboxId: string };

/**
 * Takes the mailbox's polling lease for `owner` until `now + leaseMs` when nobody holds it (or it expired, or
 * `owner` already holds it). One conditional UPDATE: of several workers, exactly one wins. Returns the state
 * row when taken, undefined when another worker holds the lease.
 */
export async function claimImapLease(
  db: Kysely<Database>,
  input: MailboxKey & { owner: string; now: number; leaseMs: number },
): Promise<ImapSyncRow | undefined> {
  await db
    .insertInto('imap_sync')
    .values({
      org_id: input.orgId,
      mailbox_id: input.mailboxId,
      uid_validity: null,
      synced_at: null,
      lease_owner: null,
      lease_until: null,
    })
    .onConflict((oc) => oc.columns(['org_id', 'mailbox_id']).doNothing())
    .execute();
  const result = await db
    .updateTable('imap_sync')
    .set({ lease_owner: input.owner, lease_until: input.now + input.leaseMs })
    .where('org_id', '=', input.orgId)
    .where('mailbox_id', '=', input.mailboxId)
    .where((eb) =>
      eb.or([
        eb('lease_until', 'is', null),
        eb('lease_until', '<=', input.now),
        eb('lease_owner', '=', input.owner),
      ]),
    )
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  return db
    .selectFrom('imap_sync')
    .selectAll()
    .where('org_id', '=', input.orgId)
    .where('mailbox_id', '=', input.mailboxId)
    .executeTakeFirst();
}

/** Gives the lease back (only if `owner` still holds it). */
export async function releaseImapLease(
  db: Kysely<Database>,
  input: MailboxKey & { owner: string },
): Promise<void> {
  await db
    .updateTable('imap_sync')
    .set({ lease_owner: null, lease_until: null })
    .where('org_id', '=', input.orgId)
    .where('mailbox_id', '=', input.mailboxId)
    .where('lease_owner', '=', input.owner)
    .execute();
}

/** Records a successful poll: the UIDVALIDITY the saved cursor belongs to, and when. */
export async function saveImapSync(
  db: Kysely<Database>,
  input: MailboxKey & { uidValidity: string; syncedAt: number },
): Promise<void> {
  await db
    .updateTable('imap_sync')
    .set({ uid_validity: input.uidValidity, synced_at: input.syncedAt })
    .where('org_id', '=', input.orgId)
    .where('mailbox_id', '=', input.mailboxId)
    .execute();
}
