import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import { newId } from '../../src/store/ids.ts';
import { connectRecord, definition, insertRecord, insertSequence, T0 } from '../engine/engine-fixtures.ts';
import { addSmtpMailbox, deliveryFor, inboundSecretFor, SELLER, startSmtp } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { samples } from '../support/metrics-text.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';

const TOKEN = 'metrics-token-0123456789';

async function scrape(world: World): Promise<{ text: string; values: Map<string, number> }> {
  const response = await world.app.inject({
    method: 'GET',
    url: '/api/metrics',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.statusCode).toBe(200);
  return { text: response.body, values: samples(response.body) };
}

async function emailSequence(world: World) {
  const templateId = newId(T0);
  await world.store.db
    .insertInto('email_templates')
    .values({
      org_id: ORG_ID,
      id: templateId,
      name: 'Intro',
      language: 'en',
      subject: 'Hello {{ record.first_name }}',
      body_html: '<p>Hi {{ record.first_name }}</p>',
      body_text: null,
      record_type: 'lead',
      owner_id: null,
      builtin: 0,
      created_at: T0,
      updated_at: T0,
    })
    .execute();
  return insertSequence(
    world.store,
    definition({
      start: 'n1',
      nodes: [{ id: 'n1', kind: 'automated_email', name: 'Intro', templateId, next: null }],
      options: {
        exitOnReply: true,
        skipNonWorkingDays: false,
        sendWindow: null,
        trackOpens: false,
        trackClicks: false,
      },
    }),
  );
}

describe.each(dialects)('/api/metrics after real work on %s', (dialect) => {
  it('counts SMTP outcomes, inbound classes, delivery lag and the database pool', async () => {
    const world = await createWorld(dialect, { config: { metrics: { token: TOKEN, public: false } } });
    world.clock.set(T0);
    const smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, T0);
    const engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'metrics-engine',
      },
      { loop: false },
    );
    const mail = deliveryFor(world.store, world.clock);
    try {
      const before = (await scrape(world)).values;
      const delta = (values: Map<string, number>, series: string) =>
        (values.get(series) ?? 0) - (before.get(series) ?? 0);

      const sequence = await emailSequence(world);
      for (const name of ['Ada', 'Bo']) {
        const recordId = await insertRecord(world.store, {
          first_name: name,
          email: `${name.toLowerCase()}@customer.test`,
        });
        await connectRecord(world.store.db, { recordId, sequenceId: sequence.sequenceId, now: T0 });
      }
      await engine.drain();
      // Two emails queued since T0; the scrape a minute and a half later shows how late delivery is.
      world.clock.set(T0 + 90_000);
      const queued = (await scrape(world)).values;
      expect(queued.get('stepwise_outbox_oldest_queued_seconds')).toBe(90);

      // The relay defers the first attempt (451): one deferred, one sent; the retry sends the other.
      smtp.rejectNext(451, 'Try again later');
      for (let round = 0; round < 30 && smtp.received.length < 2; round++) {
        await mail.drain();
        world.clock.advance(5 * 60_000);
      }
      expect(smtp.received).toHaveLength(2);

      // One reply to a sent email, and one message that matches nothing.
      const sent = await simpleParser(smtp.received[0]!.raw);
      const secret = await inboundSecretFor(world);
      const post = (raw: string | Buffer) =>
        world.app.inject({
          method: 'POST',
          url: '/api/inbound/mime',
          headers: { 'content-type': 'message/rfc822', 'x-stepwise-inbound-secret': secret },
          payload: raw,
        });
      const reply = await buildRawMessage({
        from: sent.to ? String((sent.to as { text: string }).text) : 'ada@customer.test',
        to: 'sam@seller.test',
        subject: `Re: ${sent.subject}`,
        text: 'Sounds good.',
        messageId: '<metrics-reply@customer.test>',
        inReplyTo: sent.messageId,
        references: [sent.messageId as string],
      });
      expect((await post(reply)).json()).toMatchObject({ kind: 'reply' });
      const stray = await buildRawMessage({
        from: 'someone@elsewhere.test',
        to: 'sam@seller.test',
        subject: 'Hello',
        text: 'Unrelated.',
        messageId: '<metrics-stray@elsewhere.test>',
      });
      expect((await post(stray)).json()).toMatchObject({ kind: 'unmatched' });

      const { text, values } = await scrape(world);
      expect(delta(values, 'stepwise_mail_deliveries_total{outcome="sent"}')).toBe(2);
      expect(delta(values, 'stepwise_mail_deliveries_total{outcome="deferred"}')).toBe(1);
      expect(delta(values, 'stepwise_mail_deliveries_total{outcome="failed"}')).toBe(0);
      expect(delta(values, 'stepwise_inbound_messages_total{class="reply"}')).toBe(1);
      expect(delta(values, 'stepwise_inbound_messages_total{class="unmatched"}')).toBe(1);
      expect(values.get('stepwise_outbox_oldest_queued_seconds')).toBe(0);
      expect(values.get('stepwise_outbox_messages{status="sent"}')).toBe(2);
      expect(values.get('stepwise_engine_oldest_due_seconds')).toBeGreaterThanOrEqual(0);
      expect(text).toContain('# TYPE stepwise_db_pool_connections gauge');
      if (dialect === 'postgres') {
        expect(values.get('stepwise_db_pool_connections{state="max"}')).toBe(10);
        expect(values.get('stepwise_db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(1);
        expect(values.get('stepwise_db_pool_connections{state="waiting"}')).toBe(0);
        // A transaction in progress holds a connection: the scrape sees it in use.
        const during = await world.store.db.transaction().execute(async (trx) => {
          await trx.selectFrom('orgs').select('id').execute();
          return (await scrape(world)).values;
        });
        expect(during.get('stepwise_db_pool_connections{state="in_use"}')).toBeGreaterThanOrEqual(1);
      } else {
        // SQLite has one connection per process and no pool to report.
        expect(values.has('stepwise_db_pool_connections{state="max"}')).toBe(false);
      }
    } finally {
      mail.close();
      await engine.stop();
      await smtp.close();
      await world.close();
    }
  }, 60_000);
});
