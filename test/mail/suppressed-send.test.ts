import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/engine/clock.ts';
import type { Store } from '../../src/store/db.ts';
import { addSuppression } from '../../src/store/repos/suppressions-repo.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  queueEmail,
  SELLER,
  scheduledEvents,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

describe.each(dialects)('sending to a suppressed address on %s', (dialect) => {
  let store: Store;
  let clock: FakeClock;
  let smtp: LoopbackSmtp;

  beforeEach(async () => {
    store = await freshStore(dialect);
    clock = new FakeClock();
    await seedWorld(store, clock.now());
    smtp = await startSmtp();
    await addSmtpMailbox(store, SELLER, smtp.port, clock.now());
  });
  afterEach(async () => {
    await smtp.close();
    await store.close();
  });

  it('cancels the email with the reason, ends the connection as bounced and sends the others', async () => {
    const scenario = await seedSequence(store, clock.now());
    const gone = await queueEmail(store, scenario, clock.now(), { email: 'Gone@Customer.test' });
    const fine = await queueEmail(store, scenario, clock.now(), { email: 'ada@customer.test' });
    await addSuppression(store.db, {
      orgId: ORG_ID,
      address: 'gone@customer.test',
      reason: 'hard_bounce',
      detail: '5.1.1 userunknown',
      outboundMessageId: null,
      createdBy: null,
      now: clock.now(),
    });
    const delivery = deliveryFor(store, clock);
    try {
      await delivery.drain();
    } finally {
      delivery.close();
    }
    expect(smtp.received.map((mail) => mail.to)).toEqual([['ada@customer.test']]);
    const row = await store.db
      .selectFrom('outbound_messages')
      .selectAll()
      .where('org_id', '=', ORG_ID)
      .where('id', '=', gone.outboundId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('canceled');
    expect(row.last_error ?? row.hold_reason ?? '').toMatch(/suppression list \(a hard bounce: 5\.1\.1/);
    const events = await scheduledEvents(store, gone.connectionId);
    expect(events.some((event) => event.type === 'exit' && event.reason === 'bounced')).toBe(true);
    expect(fine.outboundId).not.toBe(gone.outboundId);
  });
});
