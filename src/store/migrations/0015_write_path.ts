import type { Kysely } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * - `imap_sync`: IMAP polling state per mailbox: the UIDVALIDITY the cursor (`mailboxes.imap_last_uid`)
 *   belongs to, when the last poll succeeded, and a lease so only one worker polls a mailbox at a time.
 * - `ab_winners`: the decided variant of an A/B-tested email step, per sequence version and node (automatic
 *   by the end rule, or set by hand), with the figures it was decided on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('imap_sync')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('mailbox_id', 'text', (c) => c.notNull())
    .addColumn('uid_validity', 'text')
    .addColumn('synced_at', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addPrimaryKeyConstraint('imap_sync_pk', ['org_id', 'mailbox_id'] as never)
    .execute();
  await db.schema
    .createTable('ab_winners')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('sequence_id', 'text', (c) => c.notNull())
    .addColumn('variant', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('data_json', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ab_winners_pk', ['org_id', 'version_id', 'node_id'] as never)
    .execute();
}
