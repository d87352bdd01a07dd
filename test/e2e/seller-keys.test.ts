import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInWithSession } from './session-sign-in.ts';
import { refuseNativeDialogs, startWalk, type Walk } from './walk-support.ts';

/**
 * Issue 15 item 21: a seller works the list without the mouse — j/k move, Enter opens, c completes, s skips,
 * z snoozes, `?` lists the keys — and `/` searches records, sequences and templates from anywhere.
 */
describe('keyboard on the work list and global search (issue 15 item 21)', () => {
  let walk: Walk;
  beforeAll(async () => {
    walk = await startWalk('e2e-keys-worker');
  }, 60_000);
  afterAll(() => walk?.close());

  const active = (page: Page) => page.locator('[data-testid="work-item"][data-active]');

  it('j/k move, s skips, c completes with Enter, z offers snooze presets, Enter opens the record; ? lists the keys (English and Polish)', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Keyboard run');
    for (const name of ['Kai Keys', 'Kit Keys', 'Kip Keys', 'Kay Keys']) {
      const id = await walk.createLead('eastSeller', name);
      await walk.connect('eastSeller', id, sequenceId);
      await walk.firstStep('eastSeller', id);
    }
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    try {
      refuseNativeDialogs(page);
      const items = page.getByTestId('work-item');
      await expect.poll(() => items.count()).toBe(4);
      const names = (await items.evaluateAll((els) =>
        els.map((el) => el.getAttribute('aria-label')),
      )) as string[];
      await page.keyboard.press('j');
      await expect.poll(() => active(page).getAttribute('aria-label')).toBe(names[0]);
      await page.keyboard.press('j');
      await page.keyboard.press('j');
      await expect.poll(() => active(page).getAttribute('aria-label')).toBe(names[2]);
      await page.keyboard.press('k');
      await expect.poll(() => active(page).getAttribute('aria-label')).toBe(names[1]);

      await page.keyboard.press('s');
      await page.getByTestId('toast').filter({ hasText: 'Step skipped.' }).waitFor();
      await items.filter({ hasText: names[1] }).waitFor({ state: 'detached' });

      await page.keyboard.press('j');
      const target = (await active(page).getAttribute('aria-label'))!;
      await page.keyboard.press('c');
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
        .toBe('confirm-complete');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('toasts').textContent()).toContain('Step completed.');
      await items.filter({ hasText: target }).waitFor({ state: 'detached' });

      await page.keyboard.press('k');
      await page.keyboard.press('z');
      await active(page).getByTestId('snooze-tomorrow_morning').waitFor();
      await page.keyboard.press('Escape');

      await page.locator('h1').click();
      await page.keyboard.press('?');
      const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      for (const text of [
        'Next item',
        'Open the record',
        'Complete the step',
        'Skip the step',
        'Snooze the step',
      ]) {
        await help.getByText(text).waitFor();
      }
      await page.keyboard.press('Escape');
      await help.waitFor({ state: 'detached' });

      const opened = (await active(page).getAttribute('aria-label'))!;
      await active(page).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: opened, level: 1 }).waitFor();
    } finally {
      await context.close();
    }

    const pl = await signInWithSession(walk.e2e, 'eastSeller', { locale: 'pl' });
    try {
      await pl.page.getByTestId('work-item').first().waitFor();
      await pl.page.keyboard.press('?');
      const help = pl.page.getByRole('dialog', { name: 'Skróty klawiszowe' });
      await help.getByText('Następna pozycja').waitFor();
      await help.getByText('Pomiń krok').waitFor();
    } finally {
      await pl.context.close();
    }
  }, 120_000);

  it('/ jumps into one search over records, sequences and templates; arrows and Enter open a hit', async () => {
    const recordId = await walk.createLead('eastSeller', 'Quill Finder');
    const sequenceId = await walk.activeSequence('eastSeller', 'Quill outreach');
    const template = await walk.e2e.world.as('eastSeller', 'POST', '/api/email-templates', {
      name: 'Quill welcome',
      language: 'en',
      subject: 'Hello',
      bodyHtml: '<p>Hello</p>',
      recordType: 'lead',
    });
    expect(template.statusCode, template.body).toBe(201);
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    try {
      await page.getByTestId('worklist').waitFor();
      await page.locator('h1').click();
      await page.keyboard.press('/');
      const search = page.getByTestId('global-search');
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
        .toBe('global-search');
      await page.keyboard.type('Quill');
      const hits = page.getByRole('listbox').getByRole('option');
      await hits.filter({ hasText: 'Quill Finder' }).waitFor();
      await hits.filter({ hasText: 'Quill outreach' }).waitFor();
      await hits.filter({ hasText: 'Quill welcome' }).waitFor();
      await page.keyboard.press('ArrowDown');
      await expect(hits.nth(1).getAttribute('aria-selected')).resolves.toBe('true');
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/sequences/${sequenceId}`);
      await page.keyboard.press('Escape');
      await search.fill('Quill Fi');
      await hits.filter({ hasText: 'Quill Finder' }).click();
      await page.waitForURL(`**/record/${recordId}`);
    } finally {
      await context.close();
    }
  }, 60_000);
});
