import type { Insertable } from 'kysely';
import { describe, expect, it } from 'vitest';
import { dialects, freshStore } from '../../../test/support/databases.ts';
import { outboundMessageRow } from '../../../test/support/outbound-rows.ts';
import { ORG_ID } from '../../../test/support/world.ts';
import type { MessageStatus, OutboundMessagesTable } from '../schema.ts';
import { cancelUnsentMessage, withdrawQueuedMessage } from './outbox-changes.ts';

const NOW = 1_800_000_000_000;

function message(id: string, status: MessageStatus): Insertable<OutboundMessagesTable> {
  return outboundMessageRow(id, NOW, { status, hold_reason: status === 'held' ? 'missing_field' : null });
}

describe.each(dialects)('outbox changes on %s', (dialect) => {
  it('cancels only unsent emails and withdraws only queued ones', async () => {
    const store = await freshStore(dialect);
    try {
      const db = store.db;
      await db
        .insertInto('outbound_messages')
        .values([message('q', 'queued'), message('h', 'held'), message('s', 'sent'), message('q2', 'queued')])
        .execute();
      expect(await cancelUnsentMessage(db, ORG_ID, 'h', NOW + 1)).toBe(true);
      expect(await cancelUnsentMessage(db, ORG_ID, 's', NOW + 1)).toBe(false);
      expect(await cancelUnsentMessage(db, 'org-2', 'q', NOW + 1)).toBe(false);
      const rows = await db.selectFrom('outbound_messages').selectAll().orderBy('id').execute();
      const held = rows.find((r) => r.id === 'h')!;
      expect([held.status, held.hold_reason, held.last_error, held.updated_at]).toEqual([
        'canceled',
        null,
        'Canceled by a user',
        NOW + 1,
      ]);
      expect(rows.find((r) => r.id === 's')!.status).toBe('sent');

      expect(await withdrawQueuedMessage(db, ORG_ID, 'q')).toBe(true);
      expect(await withdrawQueuedMessage(db, ORG_ID, 's')).toBe(false);
      expect(await withdrawQueuedMessage(db, ORG_ID, 'h')).toBe(false);
      const left = await db.selectFrom('outbound_messages').select('id').orderBy('id').execute();
      expect(left.map((r) => r.id)).toEqual(['h', 'q2', 's']);
    } finally {
      await store.close();
    }
  });
});
