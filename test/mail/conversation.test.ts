import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/engine/clock.ts';
import type { EngineWorker } from '../../src/engine/worker.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import {
  connectNew,
  connectRecord,
  definition,
  insertRecord,
  insertSequence,
  T0,
} from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { insertEmailTemplate, type MailWorld, startMailWorld } from '../support/mail-world.ts';
import type { World } from '../support/world.ts';
import { inboundSecretFor, type LoopbackSmtp } from './mail-fixtures.ts';

/**
 * The seller's signature, placeholders in compose (source rendered once, preview = what is sent), and the
 * conversation view (every email as sent, every reply in full and sanitised, replying in the thread).
 */
const OPTIONS = {
  exitOnReply: false,
  skipNonWorkingDays: false,
  sendWindow: null,
  trackOpens: false,
  trackClicks: false,
};

describe.each(dialects)('signature, compose placeholders and conversation on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let engine: EngineWorker;
  let mail: MailDelivery;
  let setup: MailWorld;
  beforeEach(async () => {
    setup = await startMailWorld(dialect, 'conversation-engine');
    ({ world, smtp, engine, mail } = setup);
  });
  afterEach(() => setup.close());

  async function template(subject: string, bodyHtml: string): Promise<string> {
    return insertEmailTemplate(world.store, { subject, bodyHtml, now: world.clock.now() });
  }

  async function flush() {
    for (let i = 0; i < 3; i++) {
      await engine.drain();
      await mail.drain();
      world.clock.advance(60_000);
    }
  }

  const parsed = () => Promise.all(smtp.received.map((m) => simpleParser(m.raw)));

  it('a signature is sanitised, added to automated emails by default and not when turned off', async () => {
    const saved = await world.as('eastSeller', 'PUT', '/api/me/signature', {
      html: '<p>Sam Seller<br>Acme</p><script>alert(1)</script><img src=x onerror="alert(2)">',
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().html).not.toMatch(/script|onerror/);
    expect(saved.json()).toMatchObject({ automated: true });
    expect((await world.as('eastSeller', 'GET', '/api/me/signature')).json().html).toContain('Sam Seller');
    expect((await world.as('eastSeller2', 'GET', '/api/me/signature')).json()).toEqual({
      html: '',
      automated: true,
    });
    const broken = await world.as('eastSeller', 'PUT', '/api/me/signature', {
      html: '<p>{% include "x" %}</p>',
    });
    expect(broken.statusCode).toBe(422);

    const templateId = await template('Hello {{ record.first_name }}', '<p>Hi {{ record.first_name }}.</p>');
    const def = definition({
      start: 'a1',
      nodes: [{ id: 'a1', kind: 'automated_email', name: 'Intro', templateId, next: null }],
      options: OPTIONS,
    });
    await connectNew(world.store, def, { email: 'ada@customer.test', first_name: 'Ada', name: 'Ada L' }, T0);
    await flush();
    await world.as('eastSeller', 'PUT', '/api/me/signature', { html: '<p>Sam Seller</p>', automated: false });
    await connectNew(world.store, def, { email: 'bo@customer.test', first_name: 'Bo', name: 'Bo K' }, T0);
    await flush();
    const received = await parsed();
    const ada = received.find((m) => m.subject === 'Hello Ada');
    const bo = received.find((m) => m.subject === 'Hello Bo');
    expect(String(ada?.html)).toBe('<p>Hi Ada.</p><p>Sam Seller<br />Acme</p><img src="x" />');
    expect(ada?.text).toContain('Sam Seller');
    expect(String(bo?.html)).toBe('<p>Hi Bo.</p>');
  });

  it('compose: the draft source carries the signature; the preview of the source is byte-for-byte what is sent', async () => {
    await world.as('eastSeller', 'PUT', '/api/me/signature', { html: '<p>Sam · {{ owner.email }}</p>' });
    const templateId = await template('Quick question', '<p>Hi {{ record.first_name }},</p>');
    const def = definition({
      start: 'm1',
      nodes: [
        { id: 'm1', kind: 'email', name: 'Personal', templateId, next: 't1' },
        { id: 't1', kind: 'task', name: 'Next', next: null },
      ],
      options: OPTIONS,
    });
    const hostile = '{% include "package.json" %}<b>x</b>';
    const { connectionId } = await connectNew(
      world.store,
      def,
      { email: 'eve@customer.test', first_name: null, company: hostile, name: 'Eve' },
      T0,
    );
    await engine.drain();
    const step = await world.store.db
      .selectFrom('step_instances')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('node_id', '=', 'm1')
      .executeTakeFirstOrThrow();
    const draft = (await world.as('eastSeller', 'GET', `/api/steps/${step.id}/compose`)).json();
    expect(draft.source.html).toBe('<p>Hi {{ record.first_name }},</p><p>Sam · {{ owner.email }}</p>');
    expect(draft.html).toContain('Sam · east.seller@example.com');

    const source = {
      subject: 'For {{ record.company }}',
      html: '<p>Hi {{ record.first_name | default: "there" }}, about {{ record.company }}.</p><p>Sam</p>',
    };
    const missing = await world.as('eastSeller', 'POST', `/api/steps/${step.id}/compose/preview`, {
      subject: 'x',
      html: '<p>{{ record.first_name }}</p>',
    });
    expect(missing.json().missing).toEqual(['record.first_name']);
    const refused = await world.as('eastSeller', 'POST', `/api/steps/${step.id}/send`, {
      subject: 'x',
      html: '<p>{{ record.first_name }}</p>',
      format: 'template',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('missing_placeholders');

    const preview = (
      await world.as('eastSeller', 'POST', `/api/steps/${step.id}/compose/preview`, source)
    ).json();
    // The record's Liquid-looking company is data: escaped, never run.
    expect(preview.html).toBe(
      '<p>Hi there, about {% include "package.json" %}&lt;b&gt;x&lt;/b&gt;.</p><p>Sam</p>',
    );
    const sent = await world.as('eastSeller', 'POST', `/api/steps/${step.id}/send`, {
      ...source,
      format: 'template',
    });
    expect(sent.statusCode).toBe(202);
    await flush();
    const [message] = await parsed();
    expect(String(message?.html)).toBe(preview.html);
    expect(message?.subject).toBe(preview.subject);
    expect(message?.text?.trim()).toBe(preview.text.trim());
  });

  it('conversation: sent email, full sanitised reply in its thread; Reply sets In-Reply-To and References', async () => {
    const templateId = await template('Hello {{ record.first_name }}', '<p>Hi {{ record.first_name }}.</p>');
    const def = definition({
      start: 'a1',
      nodes: [{ id: 'a1', kind: 'automated_email', name: 'Intro', templateId, next: null }],
      options: OPTIONS,
    });
    const { recordId } = await connectNew(
      world.store,
      def,
      { email: 'ada@customer.test', first_name: 'Ada', name: 'Ada Lovelace' },
      T0,
    );
    await flush();
    const [first] = await parsed();
    world.clock.advance(HOUR);
    const raw = await buildRawMessage({
      from: 'ada@customer.test',
      to: 'sam@seller.test',
      subject: `Re: ${first?.subject}`,
      text: 'Yes, Thursday works.\n\nSecond paragraph.',
      html: '<p>Yes, <b>Thursday</b> works.</p><script>window.pwned=1</script><img src=x onerror="window.pwned=2"><p>Second paragraph.</p>',
      messageId: '<ada-reply-1@customer.test>',
      inReplyTo: first?.messageId,
      references: [first?.messageId as string],
    });
    const url = `/api/inbound/mime?secret=${encodeURIComponent(await inboundSecretFor(world))}`;
    const post = () =>
      world.app.inject({ method: 'POST', url, headers: { 'content-type': 'message/rfc822' }, payload: raw });
    expect((await post()).json()).toMatchObject({ kind: 'reply' });
    expect((await post()).json()).toMatchObject({ kind: 'reply', duplicate: true });

    const conversation = await world.as('eastSeller', 'GET', `/api/records/${recordId}/conversation`);
    expect(conversation.statusCode).toBe(200);
    const { threads } = conversation.json();
    expect(threads).toHaveLength(1);
    expect(threads[0].items.map((i: { kind: string }) => i.kind)).toEqual(['sent', 'reply']);
    const [sentItem, replyItem] = threads[0].items;
    expect(sentItem.html).toBe('<p>Hi Ada.</p>');
    expect(sentItem.status).toBe('sent');
    expect(replyItem.html).toContain('<b>Thursday</b>');
    expect(replyItem.html).toContain('Second paragraph.');
    expect(replyItem.html).not.toMatch(/script|onerror|pwned/);
    expect(replyItem.from).toBe('ada@customer.test');
    expect((await world.as('westSeller', 'GET', `/api/records/${recordId}/conversation`)).statusCode).toBe(
      404,
    );

    const body = {
      replyTo: '<ada-reply-1@customer.test>',
      subject: 'Re: Hello Ada',
      html: '<p>Great, {{ record.first_name }}!</p>',
    };
    const preview = (
      await world.as('eastSeller', 'POST', `/api/records/${recordId}/reply/preview`, body)
    ).json();
    expect(preview.html).toMatch(/^<p>Great, Ada!<\/p><p>On .*, ada@customer\.test wrote:<\/p><blockquote>/);
    const replied = await world.as('eastSeller', 'POST', `/api/records/${recordId}/reply`, body);
    expect(replied.statusCode).toBe(202);
    await flush();
    const received = await parsed();
    const answer = received.find((m) => m.subject === 'Re: Hello Ada');
    expect(answer?.inReplyTo).toBe('<ada-reply-1@customer.test>');
    expect(answer?.references).toEqual([first?.messageId, '<ada-reply-1@customer.test>']);
    expect(answer?.to && 'text' in answer.to ? answer.to.text : '').toContain('ada@customer.test');
    expect(String(answer?.html)).toBe(preview.html);
    const after = (await world.as('eastSeller', 'GET', `/api/records/${recordId}/conversation`)).json();
    expect(after.threads[0].items.map((i: { kind: string }) => i.kind)).toEqual(['sent', 'reply', 'sent']);
  });
  it('bulk preview renders every recipient’s email (with the signature) and names the ones that would be held', async () => {
    await world.as('eastSeller', 'PUT', '/api/me/signature', { html: '<p>Sam</p>' });
    const templateId = await template('Hi {{ record.first_name }}', '<p>Hello {{ record.first_name }}.</p>');
    const def = definition({
      start: 'm1',
      nodes: [
        { id: 'm1', kind: 'email', name: 'Personal', templateId, next: 't1' },
        { id: 't1', kind: 'task', name: 'Next', next: null },
      ],
      options: OPTIONS,
    });
    const { sequenceId } = await insertSequence(world.store, def);
    const connections: string[] = [];
    for (const [email, name] of [
      ['a@x.test', 'Ann'],
      ['b@x.test', 'Ben'],
      ['c@x.test', null],
    ] as const) {
      const recordId = await insertRecord(world.store, { email, first_name: name, name: name ?? 'Nobody' });
      connections.push(await connectRecord(world.store.db, { recordId, sequenceId, now: T0 }));
    }
    await engine.drain();
    const stepIds: string[] = [];
    for (const connectionId of connections) {
      const step = await world.store.db
        .selectFrom('step_instances')
        .select('id')
        .where('connection_id', '=', connectionId)
        .where('node_id', '=', 'm1')
        .executeTakeFirstOrThrow();
      stepIds.push(step.id);
    }
    const preview = (await world.as('eastSeller', 'POST', '/api/bulk-email/preview', { stepIds })).json();
    expect(preview.previews.map((p: { to: string }) => p.to)).toEqual(['a@x.test', 'b@x.test', 'c@x.test']);
    expect(preview.previews[0]).toMatchObject({ subject: 'Hi Ann', html: '<p>Hello Ann.</p><p>Sam</p>' });
    expect(preview.previews[1]).toMatchObject({ subject: 'Hi Ben', html: '<p>Hello Ben.</p><p>Sam</p>' });
    expect(preview.previews[2].missing).toEqual(['record.first_name']);
    expect(preview.recipients).toBe(2);
    expect(preview.problems).toEqual([
      expect.objectContaining({ stepId: stepIds[2], code: 'missing_placeholders' }),
    ]);
  });
});
