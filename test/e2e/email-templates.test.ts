import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordRow } from '../engine/engine-fixtures.ts';
import { type E2E, screenshot, signIn, startE2E } from './designer-helpers.ts';

/** The template editor in a real browser: language filter, placeholder picker, preview for a record, Polish. */
describe('email templates in the browser', () => {
  let e2e: E2E;
  const ids = new Map<string, string>();
  beforeAll(async () => {
    e2e = await startE2E();
    for (const [name, first_name] of [
      ['Elena Petrova', 'Elena'],
      ['Nowak', null],
    ] as const) {
      const row = recordRow({ name, first_name, last_name: null }, e2e.world.clock.now());
      await e2e.world.store.db.insertInto('records').values(row).execute();
      ids.set(name, row.id);
    }
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it('filters by language, writes a template with a placeholder from the picker and previews it for a record', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/settings`);
      await page.getByRole('link', { name: 'Email templates' }).click();
      const rows = page.getByTestId('template-row');
      await rows.first().waitFor();
      await page.getByLabel('Language', { exact: true }).first().selectOption('pl');
      await page.waitForFunction(() => {
        const shown = [...document.querySelectorAll('[data-testid="template-row"]')];
        return shown.length > 0 && shown.every((row) => row.textContent?.includes('Polish'));
      });

      await page.getByRole('button', { name: 'New template' }).click();
      const editor = page.getByTestId('template-editor');
      await editor.getByLabel('Name').fill('Warm intro');
      await editor.getByLabel('Subject').fill('Hello {{ record.first_name | default: "there" }}');
      const body = editor.getByRole('textbox', { name: 'Message' });
      await body.click();
      await page.keyboard.type('Welcome ');
      await editor.getByLabel('Field').selectOption('record.first_name');
      await editor.getByLabel('If empty').fill('friend');
      await editor.getByRole('button', { name: 'Insert placeholder' }).click();
      await expect(body.textContent()).resolves.toContain(
        'Welcome {{ record.first_name | default: "friend" }}',
      );

      await editor.getByLabel('Preview for').selectOption(ids.get('Nowak')!);
      const frame = editor.frameLocator('[data-testid="email-preview-body"]').locator('body');
      await expect
        .poll(async () => (await frame.textContent().catch(() => '')) ?? '', { timeout: 10_000 })
        .toContain('Welcome friend');
      await expect(editor.getByTestId('email-preview-subject').textContent()).resolves.toBe('Hello there');
      await editor.getByLabel('Preview for').selectOption(ids.get('Elena Petrova')!);
      await expect
        .poll(async () => (await frame.textContent().catch(() => '')) ?? '', { timeout: 10_000 })
        .toContain('Welcome Elena');
      await screenshot(page, 'template-editor-en');

      await editor.getByRole('button', { name: 'Save template' }).click();
      await editor.waitFor({ state: 'detached' });
      const stored = await e2e.world.as('eastSeller', 'GET', '/api/email-templates?q=Warm');
      expect(stored.json().items[0]).toMatchObject({
        name: 'Warm intro',
        language: 'en',
        subject: 'Hello {{ record.first_name | default: "there" }}',
      });
      expect(stored.json().items[0].bodyHtml).toContain(
        'Welcome {{ record.first_name | default: "friend" }}',
      );
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a Polish-speaking seller gets the template editor, the composer tools and the bell in Polish', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller', { locale: 'pl' });
    try {
      await page.goto(`${e2e.baseUrl}/settings/templates`);
      await page.getByRole('heading', { name: 'Szablony e-maili' }).waitFor();
      await expect(page.getByTestId('notification-bell').textContent()).resolves.toContain('Powiadomienia');
      await page.getByRole('button', { name: 'Nowy szablon' }).click();
      const editor = page.getByTestId('template-editor');
      for (const tool of ['Pogrubienie', 'Kursywa', 'Lista punktowana', 'Wstaw pole']) {
        await editor.getByRole('button', { name: tool }).waitFor();
      }
      await expect(editor.getByLabel('Pole').locator('option').first().textContent()).resolves.toBe('Imię');
    } finally {
      await context.close();
    }
  }, 60_000);
});
