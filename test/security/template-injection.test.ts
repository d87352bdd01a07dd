import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { MINUTE } from '../../src/engine/clock.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { newId } from '../../src/store/ids.ts';
import { connectNew, definition, T0 } from '../engine/engine-fixtures.ts';
import { addSmtpMailbox, deliveryFor, type LoopbackSmtp, SELLER, startSmtp } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';

/**
 * Issue 20's two critical holes, tried exactly as the attacker did: a seller's template reading files through
 * `include`/`render`/`layout`, and a prospect whose record fields are Liquid that includes a file when rendered
 * twice (automated email, compose and send, bulk send). Nothing may read a file; the fields arrive as text.
 */
const FILE_MARKER = '"devDependencies"'; // in ./package.json, the file the attacks ask for
const HOSTILE = {
  first_name: '{% include record.company %}',
  company: 'package.json',
  last_name: '{{ 6 | times: 7 }}',
};

describe.each(dialects)('template attacks on %s', (dialect) => {
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

  const engineFor = () =>
    startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'attack-engine',
      },
      { loop: false },
    );

  async function template(subject: string, bodyHtml: string): Promise<string> {
    const id = newId(T0);
    await world.store.db
      .insertInto('email_templates')
      .values({
        org_id: ORG_ID,
        id,
        name: `T ${id}`,
        language: 'en',
        subject,
        body_html: bodyHtml,
        body_text: null,
        record_type: 'lead',
        owner_id: null,
        builtin: 0,
        created_at: T0,
        updated_at: T0,
      })
      .execute();
    return id;
  }

  async function receivedTexts(): Promise<string[]> {
    return Promise.all(
      smtp.received.map(async (m) => {
        const parsed = await simpleParser(m.raw);
        return `${parsed.subject}\n${parsed.html}\n${parsed.text}`;
      }),
    );
  }

  it('a template cannot include, render or lay out a file (preview as a seller)', async () => {
    const { recordId } = await connectNew(
      world.store,
      definition({ start: 't1', nodes: [{ id: 't1', kind: 'task', name: 'T', next: null }] }),
      { first_name: 'Ada', owner_id: SELLER },
      T0,
    );
    for (const tag of [
      "{% include 'package.json' %}",
      "{% render 'package.json' %}",
      "{% layout 'package.json' %}body",
      "{% include 'data/secret.key' %}",
      "{%- include '/etc/passwd' -%}",
    ]) {
      const response = await world.as('eastSeller', 'POST', '/api/email-templates/preview', {
        subject: 'Hi',
        bodyHtml: `<p>${tag}</p>`,
        recordId,
      });
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain(FILE_MARKER);
      expect(response.body).not.toContain('root:x:0:0');
      expect(response.json().errors.join(' ')).toMatch(/not available in email templates/);
    }
  });

  it('a hostile loop in a preview is stopped by the render limit with a clear error', async () => {
    const { recordId } = await connectNew(
      world.store,
      definition({ start: 't1', nodes: [{ id: 't1', kind: 'task', name: 'T', next: null }] }),
      { first_name: 'Ada', owner_id: SELLER },
      T0,
    );
    const response = await world.as('eastSeller', 'POST', '/api/email-templates/preview', {
      subject: 'Hi',
      bodyHtml: '{% for i in (1..1000) %}{% for j in (1..1000) %}{{ j }}{% endfor %}{% endfor %}',
      recordId,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().errors.join(' ')).toMatch(/too long to render|too much content/);
    expect(response.json().html).toBe('');
  });

  it('record fields that are Liquid arrive as text in an automated email', async () => {
    const templateId = await template(
      'Hello {{ record.first_name }}',
      '<p>Hi {{ record.first_name }} {{ record.last_name }} of {{ record.company }}</p>',
    );
    const def = definition({
      start: 'n1',
      nodes: [{ id: 'n1', kind: 'automated_email', name: 'Intro', templateId, next: null }],
    });
    await connectNew(world.store, def, { email: 'mallory@prospect.test', ...HOSTILE }, T0);
    const engine = engineFor();
    const mail = deliveryFor(world.store, world.clock);
    try {
      await engine.drain();
      await mail.drain();
    } finally {
      mail.close();
      await engine.stop();
    }
    const [text] = await receivedTexts();
    expect(smtp.received).toHaveLength(1);
    expect(text).not.toContain(FILE_MARKER);
    expect(text).toContain('Hello {% include record.company %}');
    expect(text).toContain('{{ 6 | times: 7 }}');
    // 42 standing alone (between spaces or tags) would be the rendered expression; a random tracking token may
    // contain the digits 42 inside it.
    expect(text).not.toMatch(/(^|[\s>])42([\s<]|$)/m);
  });

  it('compose-and-send and bulk send never render the prospect-supplied text again', async () => {
    const templateId = await template(
      'Following up, {{ record.first_name }}',
      '<p>Hi {{ record.first_name }} at {{ record.company }}</p>',
    );
    const def = definition({
      start: 'm1',
      nodes: [
        { id: 'm1', kind: 'email', name: 'Personal email', templateId, next: 't1' },
        { id: 't1', kind: 'task', name: 'Next', next: null },
      ],
    });
    const one = await connectNew(world.store, def, { email: 'one@prospect.test', ...HOSTILE }, T0);
    const two = await connectNew(world.store, def, { email: 'two@prospect.test', ...HOSTILE }, T0);
    const engine = engineFor();
    const mail = deliveryFor(world.store, world.clock);
    try {
      await engine.drain();
      const stepOf = (connectionId: string) =>
        world.store.db
          .selectFrom('step_instances')
          .selectAll()
          .where('connection_id', '=', connectionId)
          .where('node_id', '=', 'm1')
          .executeTakeFirstOrThrow();
      const first = await stepOf(one.connectionId);
      const draft = (await world.as('eastSeller', 'GET', `/api/steps/${first.id}/compose`)).json();
      expect(draft.html).toContain('{% include record.company %}');
      const sent = await world.as('eastSeller', 'POST', `/api/steps/${first.id}/send`, {
        subject: draft.subject,
        html: `${draft.html}<script>alert(1)</script><a href="javascript:alert(2)">x</a>`,
      });
      expect(sent.statusCode).toBe(202);
      const second = await stepOf(two.connectionId);
      const bulk = await world.as('eastSeller', 'POST', '/api/bulk-email/send', { stepIds: [second.id] });
      expect(bulk.json().sent).toHaveLength(1);
      for (let i = 0; i < 3; i++) {
        await mail.drain();
        world.clock.advance(MINUTE);
      }
    } finally {
      mail.close();
      await engine.stop();
    }
    const texts = await receivedTexts();
    expect(texts).toHaveLength(2);
    for (const text of texts) {
      expect(text).not.toContain(FILE_MARKER);
      expect(text).toContain('Following up, {% include record.company %}');
      expect(text).not.toContain('<script');
      expect(text).not.toContain('javascript:');
    }
  });
});
