import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/engine/clock.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  queueEmail,
  SELLER,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

/**
 * A seller pauses a connection ("Asked us to wait") while its automated email is already queued and waiting
 * (for the schedule's next open slot, a mailbox limit or a retry). The docs promise "nothing runs" while paused,
 * but the old delivery sent the email when its time came. Now it stays queued, saying why, and goes once after
 * the resume. A real SMTP server on loopback counts what arrives.
 */
describe.each(dialects)('an email of a paused connection on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  beforeEach(async () => {
    world = await createWorld(dialect);
    smtp = await startSmtp();
  });
  afterEach(async () => {
    await smtp.close();
    await world.close();
  });

  it('does not go while the connection is paused, and goes once after the resume', async () => {
    const { store, clock } = world;
    await addSmtpMailbox(store, SELLER, smtp.port, clock.now());
    const scenario = await seedSequence(store, clock.now());
    // Queued, due in an hour (e.g. held until the schedule's next open slot).
    const lead = await queueEmail(store, scenario, clock.now(), { notBefore: clock.now() + HOUR });
    const paused = await world.as('eastSeller', 'POST', `/api/connections/${lead.connectionId}/pause`, {
      note: 'Asked us to wait',
    });
    expect(paused.statusCode).toBe(200);
    const email = () =>
      store.db
        .selectFrom('outbound_messages')
        .select(['status', 'hold_reason'])
        .where('org_id', '=', ORG_ID)
        .where('id', '=', lead.outboundId)
        .executeTakeFirstOrThrow();
    const delivery = deliveryFor(store, clock);
    try {
      for (let hour = 0; hour < 3; hour++) {
        clock.advance(HOUR);
        await delivery.drain();
      }
      expect(smtp.received).toHaveLength(0);
      expect(await email()).toEqual({
        status: 'queued',
        hold_reason: 'The connection is paused: the email goes when it is resumed',
      });

      const resumed = await world.as(
        'eastSeller',
        'POST',
        `/api/connections/${lead.connectionId}/resume`,
        {},
      );
      expect(resumed.statusCode).toBe(200);
      clock.advance(MINUTE);
      await delivery.drain();
      clock.advance(MINUTE);
      await delivery.drain();
    } finally {
      delivery.close();
    }
    expect(smtp.received.map((mail) => mail.to)).toEqual([[expect.stringContaining('@customer.test')]]);
    expect((await email()).status).toBe('sent');
  });
});
