import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { recordRow } from '../engine/engine-fixtures.ts';
import { addSmtpMailbox, deliveryFor, type LoopbackSmtp, SELLER, startSmtp } from '../mail/mail-fixtures.ts';
import { USERS } from '../support/world.ts';
import { type E2E, screenshot, signIn, startE2E } from './designer-helpers.ts';

/** The template editor's tools in a real browser: copy, tags and the tag filter, send me a test, delete. */
describe('email template tools in the browser', () => {
  let e2e: E2E;
  let smtp: LoopbackSmtp;
  let mail: MailDelivery;
  beforeAll(async () => {
    e2e = await startE2E();
    const now = e2e.world.clock.now();
    smtp = await startSmtp();
    await addSmtpMailbox(e2e.world.store, SELLER, smtp.port, now);
    mail = deliveryFor(e2e.world.store, e2e.world.clock);
    const row = recordRow(
      { name: 'Ada Lovelace', first_name: 'Ada', last_name: null, owner_id: SELLER },
      now,
    );
    await e2e.world.store.db.insertInto('records').values(row).execute();
    const created = await e2e.world.as('eastSeller', 'POST', '/api/email-templates', {
      name: 'Warm intro',
      language: 'en',
      subject: 'Hello {{ record.first_name | default: "there" }}',
      bodyHtml: '<p>Hi {{ record.first_name | default: "there" }}, a quick question.</p>',
    });
    expect(created.statusCode).toBe(201);
  }, 60_000);
  afterAll(async () => {
    mail?.close();
    await smtp?.close();
    await e2e?.close();
  });

  it('copies a template, tags it, filters by the tag, sends me a test over SMTP and deletes the copy', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/settings/templates`);
      const row = (name: string) => page.getByTestId('template-row').filter({ hasText: name });
      await row('Warm intro').getByRole('button', { name: 'Copy' }).click();
      await row('Copy of Warm intro').waitFor();
      await row('Copy of Warm intro').getByRole('button', { name: 'Edit' }).click();
      const editor = page.getByTestId('template-editor');
      await editor.getByLabel('Tags').fill('intro, q4');
      await editor.getByRole('button', { name: 'Save template' }).click();
      await editor.waitFor({ state: 'detached' });
      await expect(row('Copy of Warm intro').textContent()).resolves.toContain('intro, q4');

      await page.getByLabel('Tag', { exact: true }).selectOption('q4');
      await page.waitForFunction(() => {
        const shown = [...document.querySelectorAll('[data-testid="template-row"]')];
        return shown.length === 1 && shown[0]?.textContent?.includes('Copy of Warm intro');
      });

      await row('Copy of Warm intro').getByRole('button', { name: 'Edit' }).click();
      await editor.getByRole('button', { name: 'Send me a test' }).click();
      await expect(editor.getByTestId('test-sent').textContent()).resolves.toContain(USERS.eastSeller.email);
      await screenshot(page, 'template-tools-en');
      await editor.getByRole('button', { name: 'Cancel' }).click();

      await row('Copy of Warm intro').getByRole('button', { name: 'Delete' }).click();
      await page.getByTestId('confirm-action').click();
      await row('Copy of Warm intro').waitFor({ state: 'detached' });
    } finally {
      await context.close();
    }
    await mail.drain();
    expect(smtp.received.map((m) => m.to)).toEqual([[USERS.eastSeller.email]]);
    const message = await simpleParser(smtp.received[0]!.raw);
    expect(message.subject).toBe('[Test] Hello Ada');
    expect(String(message.html)).toBe('<p>Hi Ada, a quick question.</p>');
  }, 60_000);

  it('a Polish-speaking seller gets the template tools in Polish', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller', { locale: 'pl' });
    try {
      await page.goto(`${e2e.baseUrl}/settings/templates`);
      const row = page.getByTestId('template-row').filter({ hasText: 'Warm intro' });
      await row.getByRole('button', { name: 'Kopiuj' }).waitFor();
      await row.getByRole('button', { name: 'Usuń' }).waitFor();
      await expect(
        page.getByLabel('Tag', { exact: true }).locator('option').first().textContent(),
      ).resolves.toBe('Wszystkie tagi');
      await row.getByRole('button', { name: 'Edytuj' }).click();
      await page.getByTestId('template-editor').getByRole('button', { name: 'Wyślij mi test' }).waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);
});
