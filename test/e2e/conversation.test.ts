import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { type EngineWorker, startEngineWorker } from '../../src/engine/worker.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import { newId } from '../../src/store/ids.ts';
import { connectRecord, insertSequence, recordRow } from '../engine/engine-fixtures.ts';
import { XSS_VECTORS } from '../fixtures/xss-vectors.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  inboundSecretFor,
  type LoopbackSmtp,
  SELLER,
  startSmtp,
} from '../mail/mail-fixtures.ts';
import { ORG_ID } from '../support/world.ts';
import { type E2E, screenshot, signIn, startE2E } from './designer-helpers.ts';

/**
 * The seller's signature (Settings → Profile, the TipTap editor) reaches compose and the email sent; the record's
 * conversation shows every email as sent and every reply in full; "Reply" answers in the thread (In-Reply-To and
 * References at the SMTP sink); the OWASP XSS cheat-sheet vectors posted as a reply never execute.
 */
const OPTIONS = {
  exitOnReply: false,
  skipNonWorkingDays: false,
  sendWindow: null,
  trackOpens: false,
  trackClicks: false,
};

describe('signature and conversation in the browser', () => {
  let e2e: E2E;
  let smtp: LoopbackSmtp;
  let engine: EngineWorker;
  let mail: MailDelivery;
  let secret: string;
  const records = new Map<string, string>();

  async function flush() {
    for (let i = 0; i < 3; i++) {
      await engine.drain();
      await mail.drain();
      e2e.world.clock.advance(60_000);
    }
  }

  async function postReply(raw: Buffer) {
    const posted = await e2e.world.app.inject({
      method: 'POST',
      url: `/api/inbound/mime?secret=${encodeURIComponent(secret)}`,
      headers: { 'content-type': 'message/rfc822' },
      payload: raw,
    });
    expect(posted.json()).toMatchObject({ kind: 'reply' });
  }

  beforeAll(async () => {
    e2e = await startE2E();
    const { world } = e2e;
    const now = world.clock.now();
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, now);
    secret = await inboundSecretFor(world);
    const templateId = newId(now);
    await world.store.db
      .insertInto('email_templates')
      .values({
        org_id: ORG_ID,
        id: templateId,
        name: 'Intro',
        language: 'en',
        subject: 'Hello {{ record.first_name }}',
        body_html: '<p>Hi {{ record.first_name }}, a quick question.</p>',
        body_text: null,
        record_type: 'lead',
        owner_id: null,
        builtin: 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const automated: SequenceDefinition = {
      start: 'a1',
      nodes: [
        { id: 'a1', kind: 'automated_email', name: 'Intro', templateId, next: 't1' },
        { id: 't1', kind: 'task', name: 'Call', next: null },
      ],
      options: OPTIONS,
    };
    const manual: SequenceDefinition = {
      start: 'm1',
      nodes: [
        { id: 'm1', kind: 'email', name: 'Personal', templateId, next: 't1' },
        { id: 't1', kind: 'task', name: 'Call', next: null },
      ],
      options: OPTIONS,
    };
    engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: silentLogger,
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'conversation-e2e',
      },
      { loop: false },
    );
    mail = deliveryFor(world.store, world.clock);
    const people = [
      { name: 'Ada Lovelace', first_name: 'Ada', email: 'ada@engine.test', def: automated },
      { name: 'Mallory Vector', first_name: 'Mallory', email: 'mallory@evil.test', def: automated },
      { name: 'Grace Hopper', first_name: 'Grace', email: 'grace@navy.test', def: manual },
    ];
    for (const person of people) {
      const { sequenceId } = await insertSequence(world.store, person.def, { now });
      const row = recordRow(
        { name: person.name, first_name: person.first_name, email: person.email, last_name: null },
        now,
      );
      await world.store.db.insertInto('records').values(row).execute();
      await connectRecord(world.store.db, { recordId: row.id, sequenceId, now });
      records.set(person.name, row.id);
    }
    await flush();
  }, 60_000);
  afterAll(async () => {
    mail?.close();
    await engine?.stop();
    await smtp?.close();
    await e2e?.close();
  });

  it('a signature written in Settings → Profile is added to the composer and to the email sent', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/settings`);
      const settings = page.getByTestId('signature-settings');
      const editor = settings.getByRole('textbox', { name: 'Email signature' });
      await editor.click();
      await page.keyboard.type('Sam Seller, Acme Tools');
      await editor.getByText('Sam Seller, Acme Tools').waitFor();
      await settings.getByRole('button', { name: 'Save signature' }).click();
      await settings.getByTestId('signature-saved').waitFor();
      expect((await e2e.world.as('eastSeller', 'GET', '/api/me/signature')).json()).toEqual({
        html: '<p>Sam Seller, Acme Tools</p>',
        automated: true,
      });

      await page.goto(`${e2e.baseUrl}/record/${records.get('Grace Hopper')}`);
      await page.getByTestId('current-step').getByRole('button', { name: 'Compose email' }).click();
      const dialog = page.getByRole('dialog');
      const body = dialog.getByRole('textbox', { name: 'Message' });
      await body.getByText('Sam Seller, Acme Tools').waitFor();
      const frame = dialog.frameLocator('[data-testid="email-preview-body"]').locator('body');
      await expect
        .poll(async () => (await frame.textContent().catch(() => '')) ?? '', { timeout: 10_000 })
        .toContain('Hi Grace, a quick question.Sam Seller, Acme Tools');
      await dialog.getByRole('button', { name: 'Send' }).click();
      await dialog.waitFor({ state: 'detached' });
    } finally {
      await context.close();
    }
    await flush();
    const received = await Promise.all(smtp.received.map((m) => simpleParser(m.raw)));
    const grace = received.find((m) => m.subject === 'Hello Grace');
    expect(String(grace?.html)).toBe('<p>Hi Grace, a quick question.</p><p>Sam Seller, Acme Tools</p>');
  }, 60_000);

  it('the conversation shows the email as sent and the reply in full; Reply answers in the thread', async () => {
    const recordId = records.get('Ada Lovelace')!;
    const parsed = await Promise.all(smtp.received.map((m) => simpleParser(m.raw)));
    const toAda = parsed.find((m) => m.subject === 'Hello Ada')!;
    await postReply(
      await buildRawMessage({
        from: 'ada@engine.test',
        to: 'sam@seller.test',
        subject: 'Re: Hello Ada',
        text: 'Yes! Thursday at 10 works.\n\nAlso: send the price list.',
        html: '<p>Yes! <b>Thursday at 10</b> works.</p><p>Also: send the price list.</p>',
        messageId: '<ada-e2e-reply@engine.test>',
        inReplyTo: toAda.messageId,
        references: [toAda.messageId as string],
      }),
    );
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/record/${recordId}`);
      const conversation = page.getByTestId('conversation');
      await conversation.getByRole('heading', { name: 'Conversation' }).waitFor();
      const thread = conversation.getByTestId('conversation-thread');
      // The heading renders before the thread's messages arrive: wait for the thread (count() does not wait).
      await thread.waitFor();
      await expect(thread.count()).resolves.toBe(1);
      const sent = thread.getByTestId('conversation-sent');
      await expect(sent.textContent()).resolves.toContain('ada@engine.test');
      await expect(
        sent.frameLocator('[data-testid="email-preview-body"]').locator('body').textContent(),
      ).resolves.toBe('Hi Ada, a quick question.');
      const reply = thread.getByTestId('conversation-reply');
      const replyBody = reply.frameLocator('[data-testid="email-preview-body"]').locator('body');
      await expect(replyBody.locator('b').textContent()).resolves.toBe('Thursday at 10');
      await expect(replyBody.textContent()).resolves.toContain('Also: send the price list.');
      await reply.getByRole('button', { name: 'Reply' }).scrollIntoViewIfNeeded();
      await screenshot(page, 'conversation-en');

      await reply.getByRole('button', { name: 'Reply' }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog.getByLabel('Subject').inputValue()).resolves.toBe('Re: Hello Ada');
      const editor = dialog.getByRole('textbox', { name: 'Message' });
      await editor.click();
      await page.keyboard.type('Great, see you Thursday ');
      await dialog.getByLabel('Field').selectOption('record.first_name');
      await dialog.getByRole('button', { name: 'Insert placeholder' }).click();
      const preview = dialog.getByTestId('reply-preview').frameLocator('[data-testid="email-preview-body"]');
      await expect
        .poll(
          async () =>
            (await preview
              .locator('body')
              .textContent()
              .catch(() => '')) ?? '',
          { timeout: 10_000 },
        )
        .toMatch(/Great, see you Thursday Ada.*ada@engine\.test wrote:.*Thursday at 10 works\./);
      await expect(preview.locator('blockquote b').textContent()).resolves.toBe('Thursday at 10');
      await dialog.getByRole('button', { name: 'Send reply' }).click();
      await dialog.waitFor({ state: 'detached' });
      await expect
        .poll(() => conversation.getByTestId('conversation-sent').count(), { timeout: 10_000 })
        .toBe(2);
    } finally {
      await context.close();
    }
    await flush();
    const received = await Promise.all(smtp.received.map((m) => simpleParser(m.raw)));
    const answer = received.find((m) => m.subject === 'Re: Hello Ada');
    expect(answer?.inReplyTo).toBe('<ada-e2e-reply@engine.test>');
    expect(answer?.references).toEqual([toAda.messageId, '<ada-e2e-reply@engine.test>']);
    expect(answer?.text).toContain('Great, see you Thursday Ada');
    expect(String(answer?.html)).toContain('<blockquote><p>Yes! <b>Thursday at 10</b> works.</p>');
  }, 60_000);

  it(`none of ${XSS_VECTORS.length} OWASP cheat-sheet vectors in a reply executes in the browser`, async () => {
    expect(XSS_VECTORS.length).toBeGreaterThanOrEqual(30);
    const recordId = records.get('Mallory Vector')!;
    const parsed = await Promise.all(smtp.received.map((m) => simpleParser(m.raw)));
    const toMallory = parsed.find((m) => m.subject === 'Hello Mallory')!;
    // One reply per vector, so a vector that swallows the rest of its document cannot hide the others.
    for (const [index, vector] of XSS_VECTORS.entries()) {
      await postReply(
        await buildRawMessage({
          from: 'mallory@evil.test',
          to: 'sam@seller.test',
          subject: `Re: Hello Mallory #${index}`,
          text: `vector ${index}`,
          html: `<p>Vector ${index}</p>${vector}<p>after</p>`,
          messageId: `<mallory-xss-${index}@evil.test>`,
          inReplyTo: toMallory.messageId,
          references: [toMallory.messageId as string],
        }),
      );
    }
    const stored = (await e2e.world.as('eastSeller', 'GET', `/api/records/${recordId}/conversation`)).json();
    const replies: { html: string }[] = stored.threads[0].items.filter(
      (i: { kind: string }) => i.kind === 'reply',
    );
    expect(replies).toHaveLength(XSS_VECTORS.length);
    for (const reply of replies) {
      // Attribute values are text (a title may quote a vector, escaped): tags and handlers are checked outside them.
      const markup = reply.html.replace(/"[^"]*"/g, '""');
      expect(markup).not.toMatch(
        /<(script|iframe|object|embed|svg|math|meta|base|form|link|style)\b|\son\w+\s*=/i,
      );
      expect(reply.html).not.toMatch(/=\s*"\s*(javascript|vbscript|data):/i);
    }
    const replyHtml = replies.map((reply) => reply.html).join('');

    const { context, page } = await signIn(e2e, 'eastSeller');
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    try {
      await page.goto(`${e2e.baseUrl}/record/${recordId}`);
      const replies = page.getByTestId('conversation-reply');
      await expect.poll(() => replies.count(), { timeout: 20_000 }).toBe(XSS_VECTORS.length);
      const last = replies.last().frameLocator('[data-testid="email-preview-body"]').locator('body');
      await expect(last.textContent()).resolves.toContain(`Vector ${XSS_VECTORS.length - 1}`);
      // Hover and click over every reply, so onmouseover/onclick-style vectors would fire if they had survived.
      for (let i = 0; i < XSS_VECTORS.length; i++) {
        const frame = replies.nth(i).getByTestId('email-preview-body');
        await frame.scrollIntoViewIfNeeded();
        await frame.hover();
        await frame.click({ position: { x: 20, y: 20 } });
      }
      await page.waitForTimeout(500);
      await expectNoFlag(page);
      // Second line of defence checked on its own: the sanitised HTML, put straight into the page (no sandbox),
      // runs nothing either.
      await page.evaluate((html) => {
        const host = document.createElement('div');
        host.id = 'xss-host';
        host.innerHTML = html;
        document.body.append(host);
      }, replyHtml);
      await page.locator('#xss-host').hover();
      await page.waitForTimeout(500);
      await expectNoFlag(page);
      expect(dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  async function expectNoFlag(page: Page) {
    for (const frame of page.frames()) {
      const flag = await frame
        .evaluate(() => (window as unknown as { __xss?: unknown }).__xss ?? null)
        .catch(() => null);
      expect(flag).toBeNull();
    }
    expect(page.url()).toContain('/record/');
  }

  it('a Polish-speaking seller gets the signature settings and the conversation in Polish', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller', { locale: 'pl' });
    try {
      await page.goto(`${e2e.baseUrl}/settings`);
      await page.getByRole('heading', { name: 'Podpis e-mail' }).waitFor();
      await page.getByRole('button', { name: 'Zapisz podpis' }).waitFor();
      await page.goto(`${e2e.baseUrl}/record/${records.get('Ada Lovelace')}`);
      await page.getByRole('heading', { name: 'Korespondencja' }).waitFor();
      await page.getByTestId('conversation-reply').getByRole('button', { name: 'Odpowiedz' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Wyślij odpowiedź' }).waitFor();
      await expect(page.getByRole('dialog').textContent()).resolves.toContain('Podgląd z cytowanym wątkiem');
    } finally {
      await context.close();
    }
  }, 60_000);
});
