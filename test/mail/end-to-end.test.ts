import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { type FakeClock, HOUR, MINUTE } from '../../src/engine/clock.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import { newId } from '../../src/store/ids.ts';
import { connectNew, connectRecord, definition, insertRecord, T0 } from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  inboundSecretFor,
  type LoopbackSmtp,
  SELLER,
  startSmtp,
} from './mail-fixtures.ts';

const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/**
 * The "done when": a sequence with an automated email, an opened/replied condition and exit-on-reply runs
 * end to end through the real engine and the loopback SMTP server; every event shows on the record's timeline.
 */
describe.each(dialects)('email sequence end to end on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  beforeEach(async () => {
    world = await createWorld(dialect);
    world.clock.set(T0);
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, T0);
  });
  afterEach(async () => {
    await smtp.close();
    await world.close();
  });

  async function scenario(clock: FakeClock) {
    const templateId = newId(T0);
    await world.store.db
      .insertInto('email_templates')
      .values({
        org_id: ORG_ID,
        id: templateId,
        name: 'Intro',
        language: 'en',
        subject: 'Hello {{ record.first_name }}',
        body_html: '<p>Hi {{ record.first_name }}, see <a href="https://example.com/demo">the demo</a>.</p>',
        body_text: null,
        record_type: 'lead',
        owner_id: null,
        builtin: 0,
        created_at: T0,
        updated_at: T0,
      })
      .execute();
    const def = definition({
      start: 'n1',
      nodes: [
        { id: 'n1', kind: 'automated_email', name: 'Intro', templateId, next: 'c1' },
        {
          id: 'c1',
          kind: 'condition_email',
          name: 'Replied?',
          inspects: 'n1',
          results: ['replied'],
          combine: 'any',
          timeLimit: { days: 3, hours: 0 },
          moveWhenSeen: true,
          yes: 't1',
          no: 't2',
        },
        { id: 't1', kind: 'task', name: 'Book a meeting', next: null },
        { id: 't2', kind: 'phone_call', name: 'Call', next: null },
      ],
      options: {
        exitOnReply: true,
        skipNonWorkingDays: false,
        sendWindow: null,
        trackOpens: true,
        trackClicks: true,
      },
    });
    const { connectionId, recordId } = await connectNew(
      world.store,
      def,
      { email: 'ada@customer.test', time_zone: 'UTC' },
      clock.now(),
    );
    return { connectionId, recordId };
  }

  it('sends, tracks an open and a click, and a reply ends the connection', async () => {
    const engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'e2e-engine',
      },
      { loop: false },
    );
    const mail = deliveryFor(world.store, world.clock);
    try {
      const { connectionId, recordId } = await scenario(world.clock);
      await engine.drain();
      await mail.drain();
      expect(smtp.received).toHaveLength(1);
      const sent = await simpleParser(smtp.received[0]!.raw);
      expect(sent.subject).toBe('Hello Ada');

      world.clock.advance(10 * MINUTE);
      const html = String(sent.html);
      const pixel = new URL(html.match(/<img src="([^"]+)"/)![1]!);
      const click = new URL(html.match(/href="([^"]+\/t\/c\/[^"]+)"/)![1]!);
      await world.app.inject({ method: 'GET', url: pixel.pathname, headers: { 'user-agent': BROWSER } });
      world.clock.advance(MINUTE);
      const redirect = await world.app.inject({
        method: 'GET',
        url: click.pathname,
        headers: { 'user-agent': BROWSER },
      });
      expect(redirect.headers.location).toBe('https://example.com/demo');
      await engine.drain();
      let connection = await world.store.db
        .selectFrom('connections')
        .selectAll()
        .where('id', '=', connectionId)
        .executeTakeFirstOrThrow();
      expect(connection.status).toBe('active');

      world.clock.advance(HOUR);
      const reply = await buildRawMessage({
        from: 'ada@customer.test',
        to: 'sam@seller.test',
        subject: `Re: ${sent.subject}`,
        text: 'Yes, let us talk.',
        messageId: '<e2e-reply@customer.test>',
        inReplyTo: sent.messageId,
        references: [sent.messageId as string],
      });
      const posted = await world.app.inject({
        method: 'POST',
        url: `/api/inbound/mime?secret=${encodeURIComponent(await inboundSecretFor(world))}`,
        headers: { 'content-type': 'message/rfc822' },
        payload: reply,
      });
      expect(posted.json()).toMatchObject({ kind: 'reply', duplicate: false });
      await engine.drain();
      connection = await world.store.db
        .selectFrom('connections')
        .selectAll()
        .where('id', '=', connectionId)
        .executeTakeFirstOrThrow();
      expect(connection.status).not.toBe('active');
      expect(connection.reason).toBe('replied');

      const timeline = await world.store.db
        .selectFrom('timeline_events')
        .select('kind')
        .where('org_id', '=', ORG_ID)
        .where('record_id', '=', recordId)
        .execute();
      const kinds = new Set(timeline.map((row) => row.kind));
      for (const kind of ['email_sent', 'email_opened', 'email_clicked', 'email_replied'])
        expect(kinds).toContain(kind);
    } finally {
      mail.close();
      await engine.stop();
    }
  });

  it('manual email steps: compose from the template, send (and bulk send) through the outbox, step completed', async () => {
    const engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'e2e-engine',
      },
      { loop: false },
    );
    const mail = deliveryFor(world.store, world.clock);
    try {
      const templateId = newId(T0);
      await world.store.db
        .insertInto('email_templates')
        .values({
          org_id: ORG_ID,
          id: templateId,
          name: 'Manual',
          language: 'en',
          subject: 'Following up, {{ record.first_name }}',
          body_html: '<p>Hi {{ record.first_name }}, {{ owner.name }} here.</p>',
          body_text: null,
          record_type: 'lead',
          owner_id: null,
          builtin: 0,
          created_at: T0,
          updated_at: T0,
        })
        .execute();
      const def = definition({
        start: 'm1',
        nodes: [
          { id: 'm1', kind: 'email', name: 'Personal email', templateId, next: 't1' },
          { id: 't1', kind: 'task', name: 'Next', next: null },
        ],
      });
      const first = await connectNew(world.store, def, { email: 'ada@customer.test', first_name: 'Ada' }, T0);
      await engine.drain();
      const stepOf = async (connectionId: string) =>
        world.store.db
          .selectFrom('step_instances')
          .selectAll()
          .where('connection_id', '=', connectionId)
          .where('node_id', '=', 'm1')
          .executeTakeFirstOrThrow();
      const step = await stepOf(first.connectionId);
      expect(step.status).toBe('due');

      const draft = await world.as('eastSeller', 'GET', `/api/steps/${step.id}/compose`);
      expect(draft.statusCode).toBe(200);
      expect(draft.json()).toMatchObject({
        to: 'ada@customer.test',
        subject: 'Following up, Ada',
        missing: [],
      });
      expect((await world.as('westSeller', 'GET', `/api/steps/${step.id}/compose`)).statusCode).toBe(404);

      // What the seller sends is final content: no template syntax is evaluated, no field is re-rendered.
      const refused = await world.as('eastSeller', 'POST', `/api/steps/${step.id}/send`, {
        subject: '   ',
        html: '<p>x</p>',
      });
      expect(refused.statusCode).toBe(400);

      const sendAt = T0 + 2 * HOUR;
      const sent = await world.as('eastSeller', 'POST', `/api/steps/${step.id}/send`, {
        subject: 'Following up, Ada',
        html: `${draft.json().html}<p>P.S. edited</p>`,
        sendAt,
      });
      expect(sent.statusCode).toBe(202);
      expect(sent.json()).toMatchObject({ stepId: step.id, notBefore: sendAt });
      expect((await stepOf(first.connectionId)).status).toBe('completed');
      expect(
        (await world.as('eastSeller', 'POST', `/api/steps/${step.id}/send`, { subject: 'x', html: 'y' }))
          .statusCode,
      ).toBe(409);
      await mail.drain();
      expect(smtp.received).toHaveLength(0); // scheduled for later
      world.clock.set(sendAt);
      await mail.drain();
      expect(smtp.received).toHaveLength(1);
      expect((await simpleParser(smtp.received[0]!.raw)).html).toContain('P.S. edited');

      // Bulk: two more records on the same email step.
      const connectMore = async (email: string, firstName: string) => {
        const recordId = await insertRecord(world.store, { email, first_name: firstName });
        const connectionId = await connectRecord(world.store.db, {
          recordId,
          sequenceId: first.sequenceId,
          now: world.clock.now(),
        });
        return { connectionId };
      };
      const second = await connectMore('grace@customer.test', 'Grace');
      const third = await connectMore('linus@other.test', 'Linus');
      await engine.drain();
      const ids = [(await stepOf(second.connectionId)).id, (await stepOf(third.connectionId)).id];
      const preview = await world.as('eastSeller', 'POST', '/api/bulk-email/preview', { stepIds: ids });
      expect(preview.json()).toMatchObject({
        recipients: 2,
        problems: [],
        preview: { subject: 'Following up, Grace' },
      });
      const bulk = await world.as('eastSeller', 'POST', '/api/bulk-email/send', { stepIds: ids });
      expect(bulk.json().sent).toHaveLength(2);
      for (let i = 0; i < 3; i++) {
        await mail.drain();
        world.clock.advance(MINUTE);
      }
      const subjects = await Promise.all(
        smtp.received.slice(1).map(async (m) => (await simpleParser(m.raw)).subject),
      );
      expect(subjects.sort()).toEqual(['Following up, Grace', 'Following up, Linus']);
      expect((await stepOf(third.connectionId)).status).toBe('completed');
    } finally {
      mail.close();
      await engine.stop();
    }
  });
});
