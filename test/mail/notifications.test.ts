import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/engine/clock.ts';
import type { EngineWorker } from '../../src/engine/worker.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import { connectNew, definition, T0 } from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { insertEmailTemplate, type MailWorld, startMailWorld } from '../support/mail-world.ts';
import type { World } from '../support/world.ts';
import { inboundSecretFor, type LoopbackSmtp } from './mail-fixtures.ts';

/**
 * A prospect's reply tells the record's owner (GET /api/notifications: the bell's list and unread count), not only
 * the timeline; a held email tells its sender. Nobody else is told; reading them clears the count.
 */
describe.each(dialects)('notifications on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let engine: EngineWorker;
  let mail: MailDelivery;
  let setup: MailWorld;
  beforeEach(async () => {
    setup = await startMailWorld(dialect, 'notify-engine');
    ({ world, smtp, engine, mail } = setup);
  });
  afterEach(() => setup.close());

  async function sequenceFor(record: { email: string; first_name: string | null; name: string }) {
    const templateId = await insertEmailTemplate(world.store, {
      name: 'Intro',
      subject: 'Hello {{ record.first_name }}',
      bodyHtml: '<p>Hi {{ record.first_name }}.</p>',
    });
    const def = definition({
      start: 'a1',
      nodes: [{ id: 'a1', kind: 'automated_email', name: 'Intro', templateId, next: null }],
    });
    const connected = await connectNew(world.store, def, record, T0);
    await engine.drain();
    await mail.drain();
    return connected;
  }

  it('a reply raises an unread notification for the record owner only; reading clears it', async () => {
    await sequenceFor({ email: 'ada@customer.test', first_name: 'Ada', name: 'Ada Lovelace' });
    expect(smtp.received).toHaveLength(1);
    const sent = await simpleParser(smtp.received[0]!.raw);
    expect((await world.as('eastSeller', 'GET', '/api/notifications')).json()).toMatchObject({ unread: 0 });

    world.clock.advance(HOUR);
    const reply = await buildRawMessage({
      from: 'ada@customer.test',
      to: 'sam@seller.test',
      subject: `Re: ${sent.subject}`,
      text: 'Yes, call me tomorrow.',
      messageId: '<notify-reply@customer.test>',
      inReplyTo: sent.messageId,
      references: [sent.messageId as string],
    });
    const url = `/api/inbound/mime?secret=${encodeURIComponent(await inboundSecretFor(world))}`;
    const post = () =>
      world.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'message/rfc822' },
        payload: reply,
      });
    expect((await post()).json()).toMatchObject({ kind: 'reply' });
    await post(); // the same reply again is not a second notification

    const mine = (await world.as('eastSeller', 'GET', '/api/notifications')).json();
    expect(mine.unread).toBe(1);
    expect(mine.items).toHaveLength(1);
    expect(mine.items[0]).toMatchObject({ kind: 'reply', read: false });
    expect(mine.items[0].summary).toContain('Ada Lovelace replied');
    expect((await world.as('westSeller', 'GET', '/api/notifications')).json().unread).toBe(0);
    expect((await world.as('eastSeller2', 'GET', '/api/notifications')).json().unread).toBe(0);

    expect((await world.as('eastSeller', 'POST', '/api/notifications/read')).statusCode).toBe(200);
    const after = (await world.as('eastSeller', 'GET', '/api/notifications')).json();
    expect(after).toMatchObject({ unread: 0, items: [{ kind: 'reply', read: true }] });
  });

  it('a held email raises a notification for its sender with the reason', async () => {
    await sequenceFor({ email: 'jan@wisla.test', first_name: null, name: 'Jan Kowalski' });
    const mine = (await world.as('eastSeller', 'GET', '/api/notifications')).json();
    expect(mine.unread).toBe(1);
    expect(mine.items[0].kind).toBe('email_held');
    expect(mine.items[0].summary).toContain('Jan Kowalski');
    expect(mine.items[0].summary).toContain('first_name');
  });
});
