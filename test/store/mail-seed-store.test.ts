import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import { orgSendsSince, senderSendTimes } from '../../src/store/mail/claim-messages.ts';
import { setDoNotEmail } from '../../src/store/mail/do-not-email.ts';
import { insertOutboundMessage, setMessageError } from '../../src/store/mail/insert-outbound-message.ts';
import { connectionDefinitionJson, loadSendContextRows } from '../../src/store/mail/send-context-rows.ts';
import { insertRows, rowsWhere } from '../../src/store/seed/insert-rows.ts';
import {
  analyze,
  countPendingDue,
  countRecordsWithCustomText,
  countRows,
  unsentMessageCounts,
} from '../../src/store/stats/count-rows.ts';
import { enqueueEvent } from '../../src/store/tasks/event-tasks.ts';
import { findOrgUserByEmail } from '../../src/store/users/find-org-user-by-email.ts';
import { connectNew, definition, recordRow, SELLER, T0 } from '../engine/engine-fixtures.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld, USERS } from '../support/world.ts';

function message(
  overrides: { id?: string; idempotencyKey?: string; status?: 'queued' | 'sent' | 'held' } = {},
) {
  const id = overrides.id ?? newId(T0);
  return {
    org_id: ORG_ID,
    id,
    connection_id: null,
    step_instance_id: null,
    record_id: null,
    sender_user_id: SELLER,
    to_address: 'ada@example.com',
    subject: 'Hello',
    body_html: '<p>Hi</p>',
    body_text: 'Hi',
    message_id: `<${id}@test>`,
    idempotency_key: overrides.idempotencyKey ?? `test:${id}`,
    status: overrides.status ?? ('queued' as const),
    hold_reason: overrides.status === 'held' ? 'missing_field' : null,
    template_id: null,
    variant: null,
    tracking: 0 as const,
    not_before: T0,
    attempts: 0,
    last_error: null,
    lease_owner: null,
    lease_until: null,
    sent_at: null,
    created_at: T0,
    updated_at: T0,
  };
}

describe.each(dialects)('mail, seed and count store modules on %s', (dialect) => {
  let store: Store;
  beforeEach(async () => {
    store = await freshStore(dialect);
    await seedWorld(store, T0);
  });
  afterEach(() => store.close());

  it('loads what a batch of messages needs per organisation, with the version each connection runs', async () => {
    const def = definition({
      start: 't',
      nodes: [{ id: 't', kind: 'task', next: null }],
      options: { trackOpens: false },
    });
    const { connectionId, recordId } = await connectNew(store, def, { email: 'grace@example.com' });
    const rows = await loadSendContextRows(store.db, ORG_ID, {
      userIds: [SELLER, 'nobody'],
      recordIds: [recordId],
      templateIds: [],
      connectionIds: [connectionId],
    });
    expect(rows.org?.name).toBe('Acme Test');
    expect(rows.users.map((u) => u.id)).toEqual([SELLER]);
    expect(rows.records.map((r) => r.email)).toEqual(['grace@example.com']);
    expect(rows.templates).toEqual([]);
    expect(rows.connections.map((c) => c.id)).toEqual([connectionId]);
    const json = rows.definitions.get(rows.connections[0]!.version_id);
    expect(JSON.parse(json!).options.trackOpens).toBe(false);
    expect(await connectionDefinitionJson(store.db, ORG_ID, connectionId)).toBe(json);
    expect(await connectionDefinitionJson(store.db, ORG_ID, 'missing')).toBeUndefined();
    const empty = await loadSendContextRows(store.db, 'other-org', {
      userIds: [],
      recordIds: [],
      templateIds: [],
      connectionIds: [],
    });
    expect(empty).toMatchObject({ org: undefined, users: [], records: [], connections: [] });
  });

  it('queues a message once per idempotency key when asked, and notes a bounce without changing status', async () => {
    const first = message({ idempotencyKey: 'manual:step-1' });
    expect(await insertOutboundMessage(store.db, first, { ignoreDuplicate: true })).toBe(first.id);
    expect(
      await insertOutboundMessage(store.db, message({ idempotencyKey: 'manual:step-1' }), {
        ignoreDuplicate: true,
      }),
    ).toBeNull();
    await expect(
      insertOutboundMessage(store.db, message({ idempotencyKey: 'manual:step-1' })),
    ).rejects.toThrow();
    await setMessageError(store.db, {
      orgId: ORG_ID,
      id: first.id,
      error: `Bounced ${'x'.repeat(2000)}`,
      now: T0 + 1,
    });
    const row = await store.db.selectFrom('outbound_messages').selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe('queued');
    expect(row.last_error).toHaveLength(1000);
    expect(Number(row.updated_at)).toBe(T0 + 1);
  });

  it('sets do-not-email once and tells a missing record apart', async () => {
    const record = recordRow();
    await insertRows(store.db, 'records', [record]);
    const input = { orgId: ORG_ID, recordId: record.id, now: T0 + 5 };
    expect(await setDoNotEmail(store.db, input)).toBe('set');
    expect(await setDoNotEmail(store.db, input)).toBe('unchanged');
    expect(await setDoNotEmail(store.db, { ...input, recordId: 'missing' })).toBe('missing');
    const row = await store.db.selectFrom('records').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ do_not_email: 1, updated_at: T0 + 5 });
  });

  it('seeds rows in chunks, reads a template row set back and counts what the benchmark checks', async () => {
    const records = Array.from({ length: 1203 }, (_, i) =>
      recordRow({
        email: `r${i}@example.com`,
        custom_json: JSON.stringify({ stage: i % 3 ? 'new' : 'contacted' }),
      }),
    );
    await insertRows(store.db, 'records', records, 400);
    expect(await countRows(store.db, 'records')).toBe(1203);
    expect(await countRows(store.db, 'records', 'other-org')).toBe(0);
    expect(await countRows(store.db, 'orgs')).toBe(1);
    expect(await countRecordsWithCustomText(store.db, 'contacted')).toBe(401);
    const copied = await rowsWhere(store.db, 'records', {
      orgId: ORG_ID,
      column: 'email',
      value: 'r7@example.com',
    });
    expect(copied.map((r) => r.id)).toEqual([records[7]!.id]);

    await enqueueEvent(store.db, {
      orgId: ORG_ID,
      connectionId: 'c',
      event: { id: 'e1', type: 'record_changed' },
      dueAt: T0,
    });
    await enqueueEvent(store.db, {
      orgId: ORG_ID,
      connectionId: 'c',
      event: { id: 'e2', type: 'record_changed' },
      dueAt: T0 + 100,
    });
    expect(await countPendingDue(store.db, T0 + 50)).toBe(1);
    await insertRows(store.db, 'outbound_messages', [
      message({ status: 'sent' }),
      message({ status: 'held' }),
      message({ status: 'held' }),
      message(),
    ]);
    expect(await unsentMessageCounts(store.db)).toEqual(
      expect.arrayContaining([
        { status: 'held', holdReason: 'missing_field', count: 2 },
        { status: 'queued', holdReason: null, count: 1 },
      ]),
    );
    expect(await unsentMessageCounts(store.db)).toHaveLength(2);
    await analyze(store.db, store.dialect);
  });

  it('finds an organisation user by email, within that organisation only', async () => {
    const user = await findOrgUserByEmail(store.db, ORG_ID, USERS.westSeller.email);
    expect(user).toMatchObject({ id: USERS.westSeller.id, active: 1 });
    expect(await findOrgUserByEmail(store.db, 'other-org', USERS.westSeller.email)).toBeUndefined();
    expect(await findOrgUserByEmail(store.db, ORG_ID, 'nobody@example.com')).toBeUndefined();
  });
  it('counts a bounced email against the send limits: it was sent', async () => {
    const statuses = ['sent', 'bounced', 'queued', 'failed'] as const;
    for (const [index, status] of statuses.entries()) {
      const row = { ...message({ id: newId(T0 + index) }), status, sent_at: status === 'queued' ? null : T0 };
      await insertOutboundMessage(store.db, row);
    }
    expect(await senderSendTimes(store.db, ORG_ID, SELLER, T0 - 1)).toHaveLength(2);
    expect(await orgSendsSince(store.db, ORG_ID, T0 - 1)).toHaveLength(2);
  });
});
