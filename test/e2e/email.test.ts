import { resolve } from 'node:path';
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
import {
  addSmtpMailbox,
  deliveryFor,
  inboundSecretFor,
  type LoopbackSmtp,
  SELLER,
  startSmtp,
} from '../mail/mail-fixtures.ts';
import { ORG_ID } from '../support/world.ts';
import { type E2E, signIn, startE2E } from './designer-helpers.ts';

/**
 * The seller's email work in a real browser: the bulk-email preview shows the first recipient's rendered email
 * and who will not get it; the composer shows the rendered email as formatted text in a rich-text editor, and
 * what the seller edits is what the loopback SMTP server receives (with a generated plain-text part).
 */
const SCREENSHOTS = resolve(import.meta.dirname, '../../docs/screenshots');
/** Screenshots for docs/ui.md, refreshed with `UPDATE_SCREENSHOTS=1` (a caret's blink differs run to run). */
const shot = async (page: Page, name: string) => {
  if (process.env.UPDATE_SCREENSHOTS === '1')
    await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`) });
};

const MANUAL: SequenceDefinition = {
  start: 'm1',
  nodes: [
    { id: 'm1', kind: 'email', name: 'Personal email', templateId: null, next: 't1' },
    { id: 't1', kind: 'task', name: 'Follow up', next: null },
  ],
  options: {
    exitOnReply: true,
    skipNonWorkingDays: false,
    sendWindow: null,
    trackOpens: false,
    trackClicks: false,
  },
};

describe('email work in the browser', () => {
  let e2e: E2E;
  let smtp: LoopbackSmtp;
  let engine: EngineWorker;
  let mail: MailDelivery;
  const records = new Map<string, { recordId: string; connectionId: string }>();

  beforeAll(async () => {
    e2e = await startE2E();
    const { world } = e2e;
    const now = world.clock.now();
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, now);
    const templateId = newId(now);
    await world.store.db
      .insertInto('email_templates')
      .values({
        org_id: ORG_ID,
        id: templateId,
        name: 'Personal',
        language: 'en',
        subject: 'Quick question, {{ record.first_name }}',
        body_html:
          '<p>Hi {{ record.first_name }},</p><p>Tools &amp; tips for <strong>{{ record.company }}</strong>.</p>',
        body_text: null,
        record_type: 'lead',
        owner_id: null,
        builtin: 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const definition: SequenceDefinition = {
      ...MANUAL,
      nodes: MANUAL.nodes.map((node) => (node.id === 'm1' ? { ...node, templateId } : node)),
    };
    const { sequenceId } = await insertSequence(world.store, definition, { now });
    engine = startEngineWorker(
      {
        store: world.store,
        clock: world.clock,
        logger: silentLogger,
        config: testConfig({ databaseUrl: world.store.url }),
        workerId: 'email-e2e',
      },
      { loop: false },
    );
    mail = deliveryFor(world.store, world.clock);
    const people = [
      { name: 'Elena Petrova', first_name: 'Elena', company: 'Volga Tools', email: 'elena@volga.test' },
      { name: 'Grace Hopper', first_name: 'Grace', company: 'Navy Labs', email: 'grace@navy.test' },
      { name: 'Linus Berg', first_name: 'Linus', company: 'Fjord AB', email: 'linus@fjord.test' },
      { name: 'Kowalski', first_name: null, company: 'Wisła SA', email: 'jan@wisla.test' },
    ];
    for (const person of people) {
      const row = recordRow({ ...person, last_name: null }, now);
      await world.store.db.insertInto('records').values(row).execute();
      const connectionId = await connectRecord(world.store.db, {
        recordId: row.id,
        sequenceId,
        now,
      });
      records.set(person.name, { recordId: row.id, connectionId });
    }
    // An automated email whose subject needs a first name the record does not have: it is held.
    const automated: SequenceDefinition = {
      ...MANUAL,
      start: 'a1',
      nodes: [
        { id: 'a1', kind: 'automated_email', name: 'Intro', templateId, next: 'b1' },
        { id: 'b1', kind: 'task', name: 'Book a meeting', next: null },
      ],
    };
    const second = await insertSequence(world.store, automated, { now });
    const jan = recordRow({ name: 'Jan Kowalski', first_name: null, email: 'jan.k@wisla.test' }, now);
    await world.store.db.insertInto('records').values(jan).execute();
    const janConnection = await connectRecord(world.store.db, {
      recordId: jan.id,
      sequenceId: second.sequenceId,
      now,
    });
    records.set('Jan Kowalski', { recordId: jan.id, connectionId: janConnection });
    await engine.drain();
    await mail.drain();
  }, 60_000);
  afterAll(async () => {
    mail?.close();
    await engine?.stop();
    await smtp?.close();
    await e2e?.close();
  });

  it('a Polish-speaking seller pages through the bulk preview in Polish', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller', { locale: 'pl' });
    try {
      await page.goto(e2e.baseUrl);
      for (const name of ['Grace Hopper', 'Linus Berg', 'Kowalski']) {
        await page.getByLabel(`Zaznacz: ${name}`, { exact: true }).check();
      }
      await page.getByRole('button', { name: 'Masowy e-mail (3)' }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog.getByTestId('bulk-page-position').textContent()).resolves.toBe('Odbiorca 1 z 3');
      await dialog.getByRole('button', { name: 'Następny' }).click();
      await expect(dialog.getByTestId('bulk-page-position').textContent()).resolves.toBe('Odbiorca 2 z 3');
      await dialog.getByRole('button', { name: 'Poprzedni' }).waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('bulk email pages through every recipient’s rendered email and marks the one that would be held', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(e2e.baseUrl);
      for (const name of ['Grace Hopper', 'Linus Berg', 'Kowalski']) {
        await page.getByLabel(`Select ${name}`, { exact: true }).check();
      }
      await page.getByRole('button', { name: 'Bulk email (3)' }).click();
      const dialog = page.getByRole('dialog');
      const preview = dialog.getByTestId('bulk-preview');
      await preview.waitFor();
      // Page through every recipient's rendered email: three recipients, the one without a first name held.
      const seen = new Map<string, { subject: string; body: string; held: boolean }>();
      for (let n = 1; n <= 3; n++) {
        await expect(dialog.getByTestId('bulk-page-position').textContent()).resolves.toBe(
          `Recipient ${n} of 3`,
        );
        const to = (await dialog.getByTestId('bulk-preview-to').textContent()) ?? '';
        const body = dialog.frameLocator('[data-testid="email-preview-body"]').locator('body');
        seen.set(to.replace(/^.*?([\w.]+@[\w.]+).*$/, '$1'), {
          subject: (await dialog.getByTestId('email-preview-subject').textContent()) ?? '',
          body: (await body.textContent()) ?? '',
          held: (await dialog.getByTestId('bulk-page-held').count()) === 1,
        });
        if (n < 3) await dialog.getByRole('button', { name: 'Next' }).click();
      }
      expect([...seen.keys()].sort()).toEqual(['grace@navy.test', 'jan@wisla.test', 'linus@fjord.test']);
      expect(seen.get('grace@navy.test')).toMatchObject({
        subject: 'Quick question, Grace',
        body: 'Hi Grace,Tools & tips for Navy Labs.',
        held: false,
      });
      expect(seen.get('linus@fjord.test')).toMatchObject({ subject: 'Quick question, Linus', held: false });
      expect(seen.get('jan@wisla.test')).toMatchObject({ held: true });
      expect(seen.get('jan@wisla.test')?.body).toContain('Tools & tips for Wisła SA.');
      await expect(dialog.getByTestId('bulk-page-held').textContent()).resolves.toContain(
        'record.first_name',
      );
      await expect(dialog.getByTestId('bulk-problems').textContent()).resolves.toContain('Kowalski');
      await expect(dialog.getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
      await dialog.getByRole('button', { name: 'Send 2 emails' }).click();
      await expect(dialog.getByTestId('bulk-result').textContent()).resolves.toContain('2 emails queued.');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('compose edits the template source with placeholders; the live preview for the record is byte-for-byte what is sent', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    let previewHtml = '';
    try {
      await page.goto(`${e2e.baseUrl}/record/${records.get('Elena Petrova')!.recordId}`);
      const current = page.getByTestId('current-step');
      await current.getByRole('button', { name: 'Compose email' }).click();
      const dialog = page.getByRole('dialog');
      const editor = dialog.getByRole('textbox', { name: 'Message' });
      // The editor holds the template SOURCE, formatted (no markup, no entities); the preview shows it for Elena.
      await editor.getByText('Hi {{ record.first_name }},').waitFor();
      await expect(editor.locator('strong').textContent()).resolves.toBe('{{ record.company }}');
      const shown = (await editor.textContent()) ?? '';
      expect(shown).toContain('Tools & tips for {{ record.company }}.');
      expect(shown).not.toMatch(/<p>|&amp;/);
      expect(await dialog.locator('textarea').count()).toBe(0);
      const frame = dialog.frameLocator('[data-testid="email-preview-body"]').locator('body');
      await expect
        .poll(async () => (await frame.textContent().catch(() => '')) ?? '', { timeout: 10_000 })
        .toContain('Hi Elena,Tools & tips for Volga Tools.');

      await editor.getByText('Hi {{ record.first_name }},').click();
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      // The shortcut keeps the caret in the editor (a toolbar click moves focus away for a moment and can eat the
      // first keystrokes); the toolbar shows Bold as pressed.
      await page.keyboard.press('Control+b');
      await dialog.getByRole('button', { name: 'Bold', pressed: true }).waitFor();
      await expect(editor.evaluate((node) => node.contains(document.activeElement))).resolves.toBe(true);
      await page.keyboard.type('Are you free on Thursday?');
      await editor.getByText('Are you free on Thursday?').waitFor();
      await page.keyboard.press('Enter');
      await page.keyboard.type('Regards to ');
      await editor.getByText('Regards to').waitFor();
      // A placeholder from the picker, with a fallback: Elena has no last name.
      await dialog.getByLabel('Field').selectOption('record.last_name');
      await dialog.getByLabel('If empty').fill('your team');
      await dialog.getByRole('button', { name: 'Insert placeholder' }).click();
      await editor.getByText('{{ record.last_name | default: "your team" }}').waitFor();
      await expect
        .poll(async () => (await frame.textContent().catch(() => '')) ?? '', { timeout: 10_000 })
        .toContain('Regards to your team');
      await expect(dialog.getByTestId('email-preview-subject').textContent()).resolves.toBe(
        'Quick question, Elena',
      );
      const srcdoc = (await dialog.getByTestId('email-preview-body').getAttribute('srcdoc')) ?? '';
      previewHtml = srcdoc.slice(srcdoc.indexOf('</style>') + '</style>'.length);
      expect(previewHtml).toContain('Regards to your team');
      await shot(page, 'composer-en');
      await dialog.getByRole('button', { name: 'Send' }).click();
      await dialog.waitFor({ state: 'detached' });
    } finally {
      await context.close();
    }
    for (let i = 0; i < 3; i++) {
      await mail.drain();
      e2e.world.clock.advance(60_000);
    }
    const received = await Promise.all(smtp.received.map((m) => simpleParser(m.raw)));
    const elena = received.find((m) => m.subject === 'Quick question, Elena');
    expect(elena).toBeDefined();
    // Byte for byte: the HTML part the SMTP server received is the HTML the preview showed.
    expect(String(elena!.html)).toBe(previewHtml);
    expect(String(elena!.html)).toContain('<strong>Are you free on Thursday?</strong>');
    expect(String(elena!.html)).toContain('Tools &amp; tips for <strong>Volga Tools</strong>');
    expect(elena!.text).toContain('Are you free on Thursday?');
    expect(elena!.text).toContain('Tools & tips for Volga Tools.');
    expect(elena!.text).toContain('Regards to your team');
    expect(elena!.text).not.toContain('<');
  }, 60_000);

  it('a held automated email waits on the record; the seller edits and sends it, then the sequence goes on', async () => {
    const { recordId } = records.get('Jan Kowalski')!;
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(e2e.baseUrl);
      await page.getByTestId('work-item').first().waitFor();
      expect(await page.getByTestId('worklist').textContent()).not.toContain('Book a meeting');

      await page.goto(`${e2e.baseUrl}/record/${recordId}`);
      const held = page.getByTestId('held-email');
      await held.waitFor();
      await expect(held.textContent()).resolves.toContain('first_name');
      await expect(page.getByTestId('completed-steps').textContent()).resolves.toContain('Held');
      await shot(page, 'held-email-en');
      await held.getByRole('button', { name: 'Edit and send' }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog.getByRole('alert').textContent()).resolves.toContain('record.first_name');
      await dialog.getByLabel('Subject').fill('Quick question, Jan');
      // The composer edits the template source: the placeholder without a value is replaced by text.
      const editor = dialog.getByRole('textbox', { name: 'Message' });
      await editor.getByText('Hi {{ record.first_name }},').click({ clickCount: 3 });
      await page.keyboard.type('Hi Jan,');
      await dialog.getByRole('alert').waitFor({ state: 'detached' });
      await dialog.getByRole('button', { name: 'Send', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByTestId('held-emails').waitFor({ state: 'detached' });
    } finally {
      await context.close();
    }
    const before = smtp.received.length;
    for (let i = 0; i < 3; i++) {
      await mail.drain();
      await engine.drain();
      e2e.world.clock.advance(60_000);
    }
    const sent = await Promise.all(smtp.received.slice(before).map((m) => simpleParser(m.raw)));
    expect(sent.map((m) => m.subject)).toEqual(['Quick question, Jan']);
    expect(sent[0]!.text).toContain('Hi Jan,');
    const worklist = await e2e.world.as('eastSeller', 'GET', '/api/worklist');
    expect(JSON.stringify(worklist.json())).toContain('Book a meeting');
  }, 60_000);

  it('a reply raises a notification live (server-sent events) and updates the open work list without a reload', async () => {
    await e2e.world.as('eastSeller', 'POST', '/api/notifications/read');
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      const stream = page.waitForResponse((response) => response.url().includes('/api/notifications/stream'));
      await page.goto(e2e.baseUrl);
      expect((await stream).headers()['content-type']).toContain('text/event-stream');
      await page.getByTestId('notification-bell').waitFor();
      expect(await page.getByTestId('notification-count').count()).toBe(0);
      const graceFollowUp = page.getByTestId('work-item').filter({ hasText: 'Grace Hopper' });
      await graceFollowUp.first().waitFor();
      const parsed = await Promise.all(smtp.received.map((m) => simpleParser(m.raw)));
      const toGrace = parsed.find((m) => m.subject === 'Quick question, Grace')!;
      const reply = await buildRawMessage({
        from: 'grace@navy.test',
        to: 'sam@seller.test',
        subject: `Re: ${toGrace.subject}`,
        text: 'Thursday works.',
        messageId: '<e2e-grace-reply@navy.test>',
        inReplyTo: toGrace.messageId,
        references: [toGrace.messageId as string],
      });
      const posted = await e2e.world.app.inject({
        method: 'POST',
        url: `/api/inbound/mime?secret=${encodeURIComponent(await inboundSecretFor(e2e.world))}`,
        headers: { 'content-type': 'message/rfc822' },
        payload: reply,
      });
      expect(posted.json()).toMatchObject({ kind: 'reply' });
      await engine.drain(); // the reply ends Grace's sequence (exit on reply): her follow-up leaves the work list
      // Live: well under the old 10 s polling interval.
      await page.getByTestId('notification-count').waitFor({ timeout: 5_000 });
      await graceFollowUp.first().waitFor({ state: 'detached', timeout: 8_000 });
      await expect(page.getByTestId('notification-count').textContent()).resolves.toContain('1');
      await page.getByTestId('notification-bell').click();
      const item = page.getByTestId('notification').first();
      await expect(item.textContent()).resolves.toContain('Grace Hopper replied');
      await shot(page, 'notifications-en');
      await item.getByRole('link').click();
      await page.waitForURL(`**/record/${records.get('Grace Hopper')!.recordId}`);
    } finally {
      await context.close();
    }
  }, 60_000);
});
