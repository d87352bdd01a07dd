import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDateOf, localInstant } from '../../src/domain/schedule/local-time.ts';
import { ORG_ID, USERS } from '../support/world.ts';
import { createSequence } from './designer-helpers.ts';
import { signInWithSession } from './session-sign-in.ts';
import { refuseNativeDialogs, startWalk, TASK_FLOW, type Walk } from './walk-support.ts';

/**
 * The 11th session's sweep from the point of view of time, in Chromium: a task step snoozes like every other
 * manual step (SPEC §5, §7), from the work list and from Up next, on the seller's own clock; the work list's
 * sequence filter offers the sequences work can come from, not drafts that were never activated.
 */
const ZONE = 'Asia/Kolkata';

async function dueAtOf(walk: Walk, stepId: string): Promise<number | undefined> {
  const row = await walk.e2e.world.store.db
    .selectFrom('step_instances')
    .select('due_at')
    .where('id', '=', stepId)
    .executeTakeFirst();
  return row?.due_at === undefined || row.due_at === null ? undefined : Number(row.due_at);
}

describe('time in the work list (11th session)', () => {
  let walk: Walk;
  beforeAll(async () => {
    walk = await startWalk('e2e-walk-worker-timing');
    // A seller on a half-hour offset: "tomorrow morning" is 09:00 in Kolkata, 03:30 UTC.
    await walk.e2e.world.store.db
      .updateTable('users')
      .set({ time_zone: ZONE })
      .where('org_id', '=', ORG_ID)
      .where('id', '=', USERS.eastSeller.id)
      .execute();
  }, 60_000);
  afterAll(() => walk?.close());

  it('a task is snoozed from the work list and from Up next, and moves from Today to Later', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Tasks to snooze', TASK_FLOW);
    const fromList = await walk.createLead('eastSeller', 'Tessa Task');
    const fromRecord = await walk.createLead('eastSeller', 'Tomas Task');
    await walk.connect('eastSeller', fromList, sequenceId);
    await walk.connect('eastSeller', fromRecord, sequenceId);
    const listStep = await walk.firstStep('eastSeller', fromList);
    const recordStep = await walk.firstStep('eastSeller', fromRecord);
    const today = localDateOf(walk.e2e.world.clock.now(), ZONE);
    const tomorrowMorning = localInstant(addDays(today, 1), 9 * 60, ZONE);
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    refuseNativeDialogs(page);
    try {
      // The work list: the task is due today; its actions offer Snooze, and a preset snoozes it.
      await page.goto(`${walk.e2e.baseUrl}/?due=today`);
      const item = page.getByTestId('work-item').filter({ hasText: 'Tessa Task' });
      await item.getByRole('button', { name: 'Actions' }).click();
      await item.getByRole('button', { name: 'Snooze', exact: true }).click();
      await item.getByTestId('snooze-tomorrow_morning').click();
      await page.getByTestId('toast').filter({ hasText: 'Snoozed until' }).waitFor();
      await item.waitFor({ state: 'detached' });
      await expect.poll(() => dueAtOf(walk, listStep)).toBe(tomorrowMorning);
      await page.goto(`${walk.e2e.baseUrl}/?due=later`);
      await page.getByTestId('work-item').filter({ hasText: 'Tessa Task' }).waitFor();

      // Up next: the current task offers Snooze too; a chosen time is read on the seller's clock.
      const day = addDays(today, 3);
      await page.goto(`${walk.e2e.baseUrl}/record/${fromRecord}`);
      const current = page.getByTestId('current-step');
      await current.getByText('Prepare the offer').first().waitFor();
      await current.getByRole('button', { name: 'Snooze' }).click();
      const form = page.getByRole('form', { name: 'Snooze' });
      await form.getByLabel('Or until').fill(`${day}T16:30`);
      await form.getByRole('button', { name: 'Snooze', exact: true }).click();
      await page.getByTestId('toast').filter({ hasText: 'Snoozed until' }).waitFor();
      await expect.poll(() => dueAtOf(walk, recordStep)).toBe(localInstant(day, 16 * 60 + 30, ZONE));
    } finally {
      await context.close();
    }
  }, 90_000);

  it('a seller without a zone of their own sees and snoozes on the organisation’s clock, not the laptop’s', async () => {
    // The organisation is on Warsaw time; the seller never chose a zone and their laptop is on New York time.
    await walk.e2e.world.store.db
      .updateTable('users')
      .set({ time_zone: null, locale: 'en' })
      .where('org_id', '=', ORG_ID)
      .where('id', '=', USERS.eastSeller2.id)
      .execute();
    const sequenceId = await walk.activeSequence('eastSeller2', 'Organisation clock', TASK_FLOW);
    const recordId = await walk.createLead('eastSeller2', 'Olek Organisation');
    await walk.connect('eastSeller2', recordId, sequenceId);
    const stepId = await walk.firstStep('eastSeller2', recordId);
    const warsaw = 'Europe/Warsaw';
    const tomorrowMorning = localInstant(
      addDays(localDateOf(walk.e2e.world.clock.now(), warsaw), 1),
      9 * 60,
      warsaw,
    );
    const session = await walk.e2e.world.session('eastSeller2');
    const context = await walk.e2e.browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' });
    context.setDefaultTimeout(15_000);
    await context.clock.setFixedTime(walk.e2e.world.clock.now());
    const [name, value] = session.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: walk.e2e.baseUrl }]);
    const page = await context.newPage();
    refuseNativeDialogs(page);
    try {
      await page.goto(`${walk.e2e.baseUrl}/record/${recordId}`);
      const current = page.getByTestId('current-step');
      await current.getByRole('button', { name: 'Snooze' }).click();
      const form = page.getByRole('form', { name: 'Snooze' });
      await form.getByTestId('snooze-tomorrow_morning').click();
      await page.getByTestId('toast').filter({ hasText: 'Snoozed until' }).waitFor();
      await expect.poll(() => dueAtOf(walk, stepId)).toBe(tomorrowMorning);
      // Up next shows the new due time on the same clock: 09:00 in Warsaw (03:00 in New York).
      await form.waitFor({ state: 'detached' });
      await current.locator('p.muted', { hasText: '09:00' }).waitFor();
    } finally {
      await context.close();
    }
  }, 90_000);

  it('the sequence filter offers sequences work comes from: not a draft never activated', async () => {
    await createSequence(walk.e2e, 'eastSeller', 'Draft never activated', TASK_FLOW);
    const running = await walk.activeSequence('eastSeller', 'Running sequence', TASK_FLOW);
    const windingDown = await walk.activeSequence('eastSeller', 'Winding down', TASK_FLOW);
    const onRunning = await walk.createLead('eastSeller', 'Rita Running');
    const onWinding = await walk.createLead('eastSeller', 'Wanda Winding');
    await walk.connect('eastSeller', onRunning, running);
    await walk.connect('eastSeller', onWinding, windingDown);
    await walk.firstStep('eastSeller', onRunning);
    await walk.firstStep('eastSeller', onWinding);
    // Deactivated without disconnecting: its records carry on, so its work is still found by it.
    const deactivated = await walk.e2e.world.as(
      'eastSeller',
      'POST',
      `/api/sequences/${windingDown}/deactivate`,
      {},
    );
    expect(deactivated.statusCode, deactivated.body).toBe(200);
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    refuseNativeDialogs(page);
    try {
      await page.getByTestId('work-item').filter({ hasText: 'Wanda Winding' }).waitFor();
      const filter = page.getByRole('combobox', { name: /^Sequence/ });
      await filter.locator('option', { hasText: 'Running sequence' }).waitFor({ state: 'attached' });
      const offered = await filter.locator('option').allTextContents();
      expect(offered).toContain('Winding down');
      expect(offered).not.toContain('Draft never activated');
      await filter.selectOption({ label: 'Winding down' });
      await page.getByTestId('work-item').filter({ hasText: 'Rita Running' }).waitFor({ state: 'detached' });
      await expect(page.getByTestId('work-item').filter({ hasText: 'Wanda Winding' }).count()).resolves.toBe(
        1,
      );
    } finally {
      await context.close();
    }
  }, 90_000);
  it('Insights offers and opens a sequence that has figures, not the newest draft', async () => {
    const ran = await walk.activeSequence('eastSeller', 'Ran for insights', TASK_FLOW);
    await walk.connect('eastSeller', await walk.createLead('eastSeller', 'Ivy Insight'), ran);
    // Saved last, so it is the most recently updated sequence: the old picker opened its funnel of zeros.
    await createSequence(walk.e2e, 'eastSeller', 'Newest draft', TASK_FLOW);
    const { context, page } = await signInWithSession(walk.e2e, 'eastSalesManager');
    refuseNativeDialogs(page);
    try {
      await page.goto(`${walk.e2e.baseUrl}/insights`);
      const picker = page.getByRole('combobox', { name: /^Sequence/ });
      await picker.locator('option', { hasText: 'Ran for insights' }).waitFor({ state: 'attached' });
      expect(await picker.locator('option').allTextContents()).not.toContain('Newest draft');
      const opened = await picker.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.text);
      expect(opened).not.toBe('Newest draft');
    } finally {
      await context.close();
    }
  }, 90_000);
});
