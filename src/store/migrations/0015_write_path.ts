import { type Kysely, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * - `imap_sync`: IMAP polling state per mailbox: the UIDVALIDITY the cursor (`mailboxes.imap_last_uid`)
 *   belongs to, when the last poll succeeded, and a lease so only one worker polls a mailbox at a time.
 * - `ab_winners`: the decided variant of an A/B-tested email step, per sequence version and node (automatic
 *   by the end rule, or set by hand), with the figures it was decided on.
 * - Webhook subscriptions to the engine's old event names move to the new ones (`connection.started` →
 *   `connection.connected`; `connection.completed|disconnected|failed` → `connection.ended`).
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
  await renameOldWebhookEvents(db);
}

/** Exported for its test. */
export async function renameOldWebhookEvents(db: Kysely<unknown>): Promise<void> {
  const renamed: Record<string, string> = {
    'connection.started': 'connection.connected',
    'connection.completed': 'connection.ended',
    'connection.disconnected': 'connection.ended',
    'connection.failed': 'connection.ended',
  };
  const hooks = await sql<{ org_id: string; id: string; events_json: string }>`
    select org_id, id, events_json from webhooks`.execute(db);
  for (const hook of hooks.rows) {
    let events: unknown;
    try {
      events = JSON.parse(hook.events_json);
    } catch {
      continue;
    }
    if (!Array.isArray(events) || !events.some((e) => typeof e === 'string' && e in renamed)) continue;
    const next = [...new Set(events.map((e) => (typeof e === 'string' ? (renamed[e] ?? e) : e)))];
    await sql`update webhooks set events_json = ${JSON.stringify(next)}
      where org_id = ${hook.org_id} and id = ${hook.id}`.execute(db);
  }
}
