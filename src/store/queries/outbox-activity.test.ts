import type { Insertable } from 'kysely';
import { describe, expect, it } from 'vitest';
import { dialects, freshStore } from '../../../test/support/databases.ts';
import { outboundMessageRow } from '../../../test/support/outbound-rows.ts';
import { ORG_ID } from '../../../test/support/world.ts';
import type { OutboundMessagesTable } from '../schema.ts';
import { findOutboxActivity } from './outbox-activity.ts';

const NOW = 1_800_000_000_000;

function message(id: string, orgId = ORG_ID): Insertable<OutboundMessagesTable> {
  return outboundMessageRow(id, NOW, {
    org_id: orgId,
    idempotency_key: `${orgId}-${id}`,
    status: 'sent',
    tracking: 1,
    attempts: 2,
    last_error: '451 4.7.1 try later',
    sent_at: NOW + 5,
    raw_mime: 'Subject: Hello\r\n\r\nHi',
  });
}

describe.each(dialects)('outbox activity on %s', (dialect) => {
  it('returns one email with its raw bytes, its events and replies in order, only within its organisation', async () => {
    const store = await freshStore(dialect);
    try {
      const db = store.db;
      await db
        .insertInto('outbound_messages')
        .values([message('m1'), message('m2')])
        .execute();
      const event = (id: string, messageId: string, type: 'open' | 'click' | 'bounce', at: number) => ({
        org_id: ORG_ID,
        id,
        outbound_message_id: messageId,
        connection_id: null,
        record_id: null,
        type,
        dedupe_key: id,
        machine: (type === 'click' ? 1 : 0) as 0 | 1,
        data_json: JSON.stringify({ url: type === 'click' ? 'https://example.com' : undefined }),
        occurred_at: at,
        created_at: at,
      });
      await db
        .insertInto('engagement_events')
        .values([
          event('e2', 'm1', 'click', NOW + 20),
          event('e1', 'm1', 'open', NOW + 10),
          event('e3', 'm2', 'bounce', NOW),
        ])
        .execute();
      await db
        .insertInto('inbound_replies')
        .values({
          org_id: ORG_ID,
          id: 'r1',
          outbound_message_id: 'm1',
          record_id: null,
          message_id: '<reply@x>',
          in_reply_to: '<m1@stepwise.test>',
          from_address: 'lead@example.com',
          subject: 'Re: Hello',
          html: '',
          text: 'Thanks!',
          received_at: NOW + 30,
        })
        .execute();

      const found = await findOutboxActivity(db, ORG_ID, 'm1');
      expect(found).toMatchObject({
        id: 'm1',
        status: 'sent',
        subject: 'Hello',
        rawMime: 'Subject: Hello\r\n\r\nHi',
        lastError: '451 4.7.1 try later',
        attempts: 2,
        sentAt: NOW + 5,
      });
      expect(found?.events.map((e) => [e.type, e.machine, e.occurredAt])).toEqual([
        ['open', false, NOW + 10],
        ['click', true, NOW + 20],
      ]);
      expect(JSON.parse(found?.events[1]?.data ?? '{}')).toEqual({ url: 'https://example.com' });
      expect(found?.replies).toEqual([
        { fromAddress: 'lead@example.com', subject: 'Re: Hello', text: 'Thanks!', receivedAt: NOW + 30 },
      ]);
      expect((await findOutboxActivity(db, ORG_ID, 'm2'))?.events.map((e) => e.type)).toEqual(['bounce']);
      expect(await findOutboxActivity(db, 'org-2', 'm1')).toBeNull();
      expect(await findOutboxActivity(db, ORG_ID, 'missing')).toBeNull();
    } finally {
      await store.close();
    }
  });
});
