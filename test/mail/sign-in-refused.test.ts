import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/engine/clock.ts';
import { SIGN_IN_HOLD_PREFIX } from '../../src/mail/sign-in-hold.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import {
  deliveryFor,
  type LoopbackSmtp,
  queueEmail,
  SELLER,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

/**
 * A seller's mailbox whose SMTP server refuses the password (a real SMTP server on loopback answering 535). The
 * old code treated the refusal as temporary: each email was tried six times over four hours (a failed login
 * each time), then failed for good, its step failed, and correcting the password brought none of them back.
 * Now the first refusal holds the emails with the server's answer, the seller is told, nothing more is tried
 * with those settings, and correcting the mailbox sends each held email exactly once.
 */
describe.each(dialects)('a mailbox whose SMTP sign-in is refused on %s', (dialect) => {
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

  it('holds its emails with the reason, stops logging in, and sends each once after the password is fixed', async () => {
    const { store, clock } = world;
    const created = await world.as('eastSeller', 'POST', '/api/mailboxes', {
      kind: 'smtp',
      fromName: 'East Seller',
      fromAddress: 'east.seller@example.com',
      smtp: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'sam', password: 'an-old-password' },
      limits: { minSpacingSeconds: 0 },
    });
    expect(created.statusCode).toBe(201);
    const mailboxId = (created.json() as { id: string }).id;
    const scenario = await seedSequence(store, clock.now());
    const leads = [];
    for (let i = 0; i < 3; i++)
      leads.push(await queueEmail(store, scenario, clock.now(), { email: `p${i}@d${i}.test` }));

    const delivery = deliveryFor(store, clock);
    try {
      await delivery.drain();
      const refusedLogins = smtp.signIns.filter((s) => !s.ok).length;
      expect(refusedLogins).toBeGreaterThan(0);
      expect(refusedLogins).toBeLessThanOrEqual(leads.length); // at most one try per email, in parallel lanes
      // Ten hours of the worker's rounds (the old back-off gave up after 4 h 21 min): still held, not failed, and
      // no further login with the same password.
      for (let hour = 0; hour < 10; hour++) {
        clock.advance(HOUR);
        await delivery.drain();
      }
      expect(smtp.signIns.filter((s) => !s.ok)).toHaveLength(refusedLogins);
      expect(smtp.received).toHaveLength(0);

      const held = await world.as('eastSeller', 'GET', '/api/outbox?status=held');
      const items = (held.json() as { items: { id: string; holdReason: string | null }[] }).items;
      expect(items.map((item) => item.id).sort()).toEqual(leads.map((lead) => lead.outboundId).sort());
      for (const item of items) {
        expect(item.holdReason).toContain(SIGN_IN_HOLD_PREFIX);
        expect(item.holdReason).toContain('535 Invalid username or password');
      }
      const notified = await world.as('eastSeller', 'GET', '/api/notifications');
      const kinds = (notified.json() as { items: { kind: string }[] }).items.map((n) => n.kind);
      expect(kinds.filter((kind) => kind === 'email_held')).toHaveLength(leads.length);
      const failedLines = await store.db
        .selectFrom('timeline_events')
        .select('id')
        .where('org_id', '=', ORG_ID)
        .where('kind', '=', 'email_failed')
        .execute();
      expect(failedLines).toHaveLength(0);

      // "Try again" on one held email (the password unchanged): it is tried once more, and held again.
      const retried = await world.as('eastSeller', 'POST', `/api/outbox/${leads[0]?.outboundId}/retry`, {});
      expect(retried.statusCode).toBe(200);
      await delivery.drain();
      expect(smtp.signIns.filter((s) => !s.ok)).toHaveLength(refusedLogins + 1);
      const again = await store.db
        .selectFrom('outbound_messages')
        .select(['status', 'hold_reason'])
        .where('id', '=', leads[0]?.outboundId ?? '')
        .executeTakeFirstOrThrow();
      expect(again.status).toBe('held');
      expect(again.hold_reason).toContain(SIGN_IN_HOLD_PREFIX);

      // The seller corrects the password: every held email goes, once.
      const patched = await world.as('eastSeller', 'PATCH', `/api/mailboxes/${mailboxId}`, {
        smtp: { host: '127.0.0.1', port: smtp.port, user: 'sam', password: 'smtp-pass' },
      });
      expect(patched.statusCode).toBe(200);
      await delivery.drain();
      clock.advance(HOUR);
      await delivery.drain();
    } finally {
      delivery.close();
    }
    expect(smtp.received.map((mail) => mail.to.join(',')).sort()).toEqual([
      'p0@d0.test',
      'p1@d1.test',
      'p2@d2.test',
    ]);
    const rows = await store.db
      .selectFrom('outbound_messages')
      .select(['status', 'sender_user_id'])
      .where('org_id', '=', ORG_ID)
      .execute();
    expect(rows.map((row) => row.status)).toEqual(['sent', 'sent', 'sent']);
    expect(new Set(rows.map((row) => row.sender_user_id))).toEqual(new Set([SELLER]));
  });
});
