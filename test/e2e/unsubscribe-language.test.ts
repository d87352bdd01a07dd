import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { unsubscribeUrl } from '../../src/mail/tracking.ts';
import { queueEmail, type Scenario, SELLER, seedSequence } from '../mail/mail-fixtures.ts';
import { ORG_ID } from '../support/world.ts';
import { type E2E, startE2E } from './designer-helpers.ts';

/**
 * Issue 15, item 20: the unsubscribe page speaks the recipient's language — the record's own language field,
 * else the sending seller's language, else the browser's — in English and Polish, through the whole flow.
 */
describe('the unsubscribe page in the recipient’s language (issue 15, item 20)', () => {
  let e2e: E2E;
  let scenario: Scenario;
  beforeAll(async () => {
    e2e = await startE2E();
    scenario = await seedSequence(e2e.world.store, e2e.world.clock.now());
  }, 60_000);
  afterAll(() => e2e?.close());

  const setSellerLocale = (locale: string) =>
    e2e.world.store.db
      .updateTable('users')
      .set({ locale })
      .where('org_id', '=', ORG_ID)
      .where('id', '=', SELLER)
      .execute();

  async function emailTo(custom: Record<string, string>): Promise<string> {
    const email = await queueEmail(e2e.world.store, scenario, e2e.world.clock.now());
    await e2e.world.store.db
      .updateTable('records')
      .set({ custom_json: JSON.stringify(custom) })
      .where('org_id', '=', ORG_ID)
      .where('id', '=', email.recordId)
      .execute();
    return unsubscribeUrl(e2e.baseUrl, testConfig().secretKey, {
      orgId: ORG_ID,
      messageId: email.outboundId,
    });
  }

  async function inBrowser(locale: string, run: (page: Page) => Promise<void>): Promise<void> {
    const context = await e2e.browser.newContext({ locale });
    context.setDefaultTimeout(10_000);
    try {
      await run(await context.newPage());
    } finally {
      await context.close();
    }
  }

  const unsubscribe = async (page: Page, url: string, button: string, done: string) => {
    await page.goto(url);
    await page.getByRole('button', { name: button }).click();
    await page.getByRole('heading', { name: done }).waitFor();
  };

  it('the record’s language wins over the seller’s and the browser’s (Polish record, English everything else)', async () => {
    await setSellerLocale('en');
    const url = await emailTo({ language: 'pl' });
    await inBrowser('en-US', async (page) => {
      await page.goto(url);
      await page.getByRole('heading', { name: 'Wypisz się' }).waitFor();
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('pl');
      await expect(page.locator('body').textContent()).resolves.toContain(
        'Nie wysyłać więcej e-maili na adres',
      );
      await unsubscribe(page, url, 'Wypisz się', 'Wypisano Cię z listy');
      await expect(page.locator('body').textContent()).resolves.toContain(
        'Nie będziesz już otrzymywać od nas e-maili.',
      );
    });
  });

  it('without a record language, the sending seller’s language; an English record stays English under a Polish seller', async () => {
    await setSellerLocale('pl');
    try {
      const polish = await emailTo({});
      await inBrowser('en-US', (page) => unsubscribe(page, polish, 'Wypisz się', 'Wypisano Cię z listy'));
      const english = await emailTo({ locale: 'en-GB' });
      await inBrowser('pl-PL', async (page) => {
        await page.goto(english);
        await expect(page.locator('body').textContent()).resolves.toContain('Stop emails to');
        await unsubscribe(page, english, 'Unsubscribe', 'You are unsubscribed');
        await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
      });
    } finally {
      await setSellerLocale('en');
    }
  });

  it('a link that names no email speaks the browser’s language (Polish and English)', async () => {
    const bad = `${e2e.baseUrl}/u/not-a-valid-token`;
    await inBrowser('pl-PL', async (page) => {
      await page.goto(bad);
      await page.getByRole('heading', { name: 'Nieprawidłowy link' }).waitFor();
    });
    await inBrowser('en-US', async (page) => {
      await page.goto(bad);
      await page.getByRole('heading', { name: 'Link not valid' }).waitFor();
    });
  });
});
