import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/engine/clock.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import { connectNew, definition, T0 } from '../engine/engine-fixtures.ts';
import { inboundSecretFor } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { insertEmailTemplate, type MailWorld, startMailWorld } from '../support/mail-world.ts';

/**
 * Replying in a conversation: the web app fills the subject in with "Re: " and the subject of the message answered
 * — a prospect's reply, or our own email, whose subject carries record values. That text is data. It used to be
 * rendered as a template, so a prospect could write `{{ owner.phone }}` or `{{ record.<internal field> }}` into
 * their subject and get the value back in the seller's answer (or block the answer with broken Liquid).
 */
const OPTIONS = {
  exitOnReply: false,
  skipNonWorkingDays: false,
  sendWindow: null,
  trackOpens: false,
  trackClicks: false,
};
const HOSTILE = 'Re: call me {{ owner.email }} / {{ record.phone_mobile }}';
const BROKEN = 'Re: {% if unclosed %} {{ record.nothing }}';

describe.each(dialects)('the subject of a reply in a conversation on %s', (dialect) => {
  let setup: MailWorld;
  beforeEach(async () => {
    setup = await startMailWorld(dialect, 'reply-subject-engine');
  });
  afterEach(() => setup.close());

  async function flush() {
    for (let i = 0; i < 3; i++) {
      await setup.engine.drain();
      await setup.mail.drain();
      setup.world.clock.advance(60_000);
    }
  }

  it("keeps a prospect's Liquid-looking subject as text: no seller or record values, nothing refused", async () => {
    const { world, smtp } = setup;
    const templateId = await insertEmailTemplate(world.store, {
      subject: 'Hello {{ record.first_name }}',
      bodyHtml: '<p>Hi {{ record.first_name }}.</p>',
      now: world.clock.now(),
    });
    const def = definition({
      start: 'a1',
      nodes: [{ id: 'a1', kind: 'automated_email', name: 'Intro', templateId, next: null }],
      options: OPTIONS,
    });
    const { recordId } = await connectNew(
      world.store,
      def,
      {
        email: 'ada@customer.test',
        first_name: 'Ada',
        name: 'Ada Lovelace',
        phone_mobile: '+48 600 100 200',
      },
      T0,
    );
    await flush();
    const first = await simpleParser(smtp.received[0]!.raw);
    world.clock.advance(HOUR);
    const raw = await buildRawMessage({
      from: 'ada@customer.test',
      to: 'sam@seller.test',
      subject: HOSTILE,
      text: 'Sure.',
      messageId: '<ada-reply-9@customer.test>',
      inReplyTo: first.messageId,
      references: [first.messageId as string],
    });
    const inbound = await world.app.inject({
      method: 'POST',
      url: `/api/inbound/mime?secret=${encodeURIComponent(await inboundSecretFor(world))}`,
      headers: { 'content-type': 'message/rfc822' },
      payload: raw,
    });
    expect(inbound.json()).toMatchObject({ kind: 'reply' });

    // What the reply dialog sends: the answered message's subject (already starting with "Re:").
    const body = { replyTo: '<ada-reply-9@customer.test>', subject: HOSTILE, html: '<p>Thanks!</p>' };
    const preview = await world.as('eastSeller', 'POST', `/api/records/${recordId}/reply/preview`, body);
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ subject: HOSTILE, missing: [], errors: [] });
    const replied = await world.as('eastSeller', 'POST', `/api/records/${recordId}/reply`, body);
    expect(replied.statusCode, replied.body).toBe(202);
    await flush();
    const sent = await Promise.all(smtp.received.map((m) => simpleParser(m.raw)));
    const answer = sent.find((m) => m.inReplyTo === '<ada-reply-9@customer.test>');
    expect(answer?.subject).toBe(HOSTILE);
    expect(answer?.subject).not.toContain('east.seller@example.com');
    expect(answer?.subject).not.toContain('600');
    // Text that is not valid Liquid, or names no value, does not stop the seller from answering either.
    const broken = await world.as('eastSeller', 'POST', `/api/records/${recordId}/reply/preview`, {
      ...body,
      subject: BROKEN,
    });
    expect(broken.json()).toMatchObject({ subject: BROKEN, missing: [], errors: [] });
  });
});
