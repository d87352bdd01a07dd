import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import argon2 from 'argon2';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiApp, buildApp } from '../../src/api/app.ts';
import { seedDemo } from '../../src/cli/seed/seed-demo.ts';
import { testConfig } from '../../src/config.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { type EngineWorker, startEngineWorker } from '../../src/engine/worker.ts';
import type { Store } from '../../src/store/db.ts';
import { freshStore } from '../support/databases.ts';
import { launchBrowser } from './browser.ts';

/**
 * Issue 15 item 22, first run: the demo organisation (`npm start` → `--seed-if-empty`) has running sequences, so a
 * newcomer's work list, a record's Up next and Insights show something on the first visit, and README's "Try it"
 * line names menus and buttons that exist.
 */
const cheapHash = (password: string) =>
  argon2.hash(password, { timeCost: 2, memoryCost: 1024, parallelism: 1 });

describe('first run with the demo organisation (issue 15 item 22)', () => {
  let store: Store;
  let app: ApiApp;
  let browser: Browser;
  let worker: EngineWorker;
  let baseUrl = '';
  const clock = new FakeClock();
  const passwords = new Map<string, string>();

  beforeAll(async () => {
    store = await freshStore('sqlite', { file: true });
    const seeded = await seedDemo({ store, clock }, { hash: cheapHash });
    if (!seeded.seeded) throw new Error(seeded.reason);
    expect(seeded.counts.sequences).toBe(2);
    expect(seeded.counts.connections).toBeGreaterThan(10);
    for (const c of seeded.credentials) passwords.set(c.email, c.password);
    app = await buildApp({ store, config: testConfig({ databaseUrl: store.url }), clock });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    worker = startEngineWorker({
      store,
      clock,
      logger: silentLogger,
      config: testConfig({ databaseUrl: store.url }),
      workerId: 'e2e-first-run',
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await app?.close();
    await store?.close();
  });

  async function signInAs(email: string, locale: 'en' | 'pl' = 'en'): Promise<Page> {
    const context = await browser.newContext({
      locale: locale === 'pl' ? 'pl-PL' : 'en-US',
      viewport: { width: 1440, height: 900 },
    });
    context.setDefaultTimeout(15_000);
    await context.clock.setFixedTime(clock.now());
    const page = await context.newPage();
    await page.goto(baseUrl);
    await page.locator('input[type="email"]').fill(email);
    await page.locator('input[type="password"]').fill(passwords.get(email)!);
    await page.locator('button[type="submit"]').click();
    await page.getByTestId('current-user').waitFor();
    return page;
  }

  it('a seller’s first visit: the work list has steps and the record’s Up next shows the current one', async () => {
    const page = await signInAs('anna.baker@northwind.example');
    try {
      const items = page.getByTestId('work-item');
      await expect.poll(() => items.count(), { timeout: 20_000 }).toBeGreaterThan(3);
      await expect(items.filter({ hasText: 'Call within the hour' }).count()).resolves.toBeGreaterThan(0);
      await expect(items.filter({ hasText: 'Review account health' }).count()).resolves.toBeGreaterThan(0);
      const first = items.filter({ hasText: 'Review account health' }).first();
      await first.getByRole('link').first().click();
      const upNext = page.getByTestId('current-step');
      await upNext.getByText('Review account health').waitFor();
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('the Polish seller sees his steps too', async () => {
    const page = await signInAs('daniel.nowak@northwind.example', 'pl');
    try {
      const items = page.getByTestId('work-item');
      await expect.poll(() => items.count(), { timeout: 20_000 }).toBeGreaterThan(3);
      await page.getByRole('link', { name: 'Lista zadań' }).waitFor();
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('Insights for the sales manager shows the running sequences with their connected records', async () => {
    const page = await signInAs('henry.walker@northwind.example');
    try {
      await page.getByRole('link', { name: 'Insights' }).click();
      const select = page.getByLabel('Sequence');
      await expect
        .poll(() => select.locator('option').allTextContents())
        .toEqual(expect.arrayContaining(['Meeting for product demo requests', 'Upcoming account renewal']));
      const connected = page.locator('.kpi').filter({ hasText: 'Connected' }).locator('.kpi-value');
      await expect.poll(async () => Number(await connected.textContent())).toBeGreaterThan(5);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('README’s "Try it" line names menus and buttons that exist, in that order', async () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const line = readme.split('\n\n').find((paragraph) => paragraph.startsWith('Try it:'));
    expect(line).toBeDefined();
    // The italic parts are what a newcomer clicks: menus, buttons and the template's name.
    const steps = [...line!.matchAll(/_([^_]+)_/g)].flatMap((m) => m[1]!.split(' → '));
    const template = /^template "([^"]+)"$/.exec(steps[2] ?? '')?.[1];
    expect(template).toBe('High-volume outbound prospecting');
    const [sequences, newSequence, , activate, leads, connect, worklist] = steps as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    expect(steps).toHaveLength(7);

    const page = await signInAs('grace.lee@northwind.example');
    try {
      await page.getByRole('link', { name: sequences, exact: true }).click();
      await page.getByRole('button', { name: newSequence, exact: true }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText(template!, { exact: true }).click();
      await dialog.getByLabel('Name', { exact: true }).fill('Try it walk');
      await dialog.getByRole('button', { name: 'Create' }).click();
      await page.getByTestId('designer-start').waitFor();
      await page.getByRole('button', { name: activate, exact: true }).first().click();
      await page.getByRole('dialog').getByRole('button', { name: activate, exact: true }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await page.getByRole('link', { name: leads, exact: true }).click();
      await page.getByRole('button', { name: connect, exact: true }).waitFor();
      await page.getByRole('link', { name: worklist, exact: true }).click();
      await page.getByTestId('worklist').waitFor();
    } finally {
      await page.context().close();
    }
  }, 60_000);
});
