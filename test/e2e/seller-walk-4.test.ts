import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDateOf, localInstant } from '../../src/domain/schedule/local-time.ts';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { insertEmailTemplate } from '../support/mail-world.ts';
import { ORG_ID, USERS } from '../support/world.ts';
import { createSequence } from './designer-helpers.ts';
import { signInWithSession } from './session-sign-in.ts';
import { refuseNativeDialogs, startWalk, TASK_FLOW, type Walk } from './walk-support.ts';

/**
 * The 10th session's sweep as a new seller and a sequence manager, in Chromium: what the seller sees after a bulk
 * email, an email sent with nothing written, an activation refused from the sequence list, and the sequence list
 * and settings at 1280 and 390 px.
 */
const MANUAL_EMAIL: SequenceDefinition = {
  ...TASK_FLOW,
  start: 'mail',
  nodes: [
    { id: 'mail', kind: 'email', name: 'First touch', templateId: null, next: 'task' },
    { id: 'task', kind: 'task', name: 'Prepare the offer', next: null },
  ],
};

/** Requests the page makes to a path matching `pattern`, counted from now. */
function countRequests(page: Page, pattern: RegExp): () => number {
  let count = 0;
  page.on('request', (request) => {
    if (pattern.test(new URL(request.url()).pathname)) count += 1;
  });
  return () => count;
}

describe('a new seller’s sweep (10th session)', () => {
  let walk: Walk;
  beforeAll(async () => {
    walk = await startWalk('e2e-walk-worker-4');
  }, 60_000);
  afterAll(() => walk?.close());

  it('bulk email: the result stays on screen after every chosen step left the list, and the dialog does not come back', async () => {
    const templateId = await insertEmailTemplate(walk.e2e.world.store, {
      name: 'Bulk hello',
      subject: 'Hello {{ record.name }}',
      bodyHtml: '<p>A short note.</p>',
    });
    const definition: SequenceDefinition = {
      ...MANUAL_EMAIL,
      nodes: MANUAL_EMAIL.nodes.map((node) => (node.id === 'mail' ? { ...node, templateId } : node)),
    };
    const sequenceId = await walk.activeSequence('eastSeller', 'Bulk hello sequence', definition);
    for (const name of ['Bella Bulk', 'Boris Bulk', 'Bruno Bulk']) {
      const recordId = await walk.createLead('eastSeller', name);
      await walk.connect('eastSeller', recordId, sequenceId);
      await walk.firstStep('eastSeller', recordId);
    }
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    refuseNativeDialogs(page);
    try {
      await page.getByTestId('work-item').filter({ hasText: 'Bruno Bulk' }).waitFor();
      for (const name of ['Bella Bulk', 'Boris Bulk']) {
        await page.getByLabel(`Select ${name}`, { exact: true }).check();
      }
      await page.getByRole('button', { name: 'Bulk email (2)' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByTestId('bulk-preview').waitFor();
      await dialog.getByRole('button', { name: 'Send 2 emails' }).click();
      // Both email steps leave the work list once sent; the seller still reads what happened.
      await expect(dialog.getByTestId('bulk-result').textContent()).resolves.toContain('2 emails queued.');
      const sentItem = page
        .getByTestId('work-item')
        .filter({ hasText: 'Bella Bulk' })
        .filter({ hasText: 'First touch' });
      await sentItem.waitFor({ state: 'detached' });
      await expect(dialog.getByTestId('bulk-result').isVisible()).resolves.toBe(true);
      await dialog.getByRole('button', { name: 'Close' }).last().click();
      await dialog.waitFor({ state: 'detached' });
      // Choosing the next email step only counts it; the dialog opens again only when asked.
      await page.getByLabel('Select Bruno Bulk', { exact: true }).check();
      await page.getByRole('button', { name: 'Bulk email (1)' }).waitFor();
      await expect(page.getByRole('dialog').count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('compose: sending with no subject or message names the empty field and sends nothing', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Write it yourself', MANUAL_EMAIL);
    const recordId = await walk.createLead('eastSeller', 'Cora Compose');
    await walk.connect('eastSeller', recordId, sequenceId);
    await walk.firstStep('eastSeller', recordId);
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    refuseNativeDialogs(page);
    const sends = countRequests(page, /\/api\/steps\/[^/]+\/send$/);
    try {
      await page.goto(`${walk.e2e.baseUrl}/record/${recordId}`);
      await page.getByTestId('current-step').getByRole('button', { name: 'Compose email' }).click();
      const dialog = page.getByRole('dialog');
      const subject = dialog.getByLabel('Subject');
      await subject.waitFor();
      await dialog.getByRole('button', { name: 'Send', exact: true }).click();
      await dialog.getByText('Write a subject before sending.').waitFor();
      await dialog.getByText('Write the message before sending.').waitFor();
      await expect(subject.getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(dialog.getByText('This value is too short or too small.').count()).resolves.toBe(0);

      await subject.fill('Our offer');
      await dialog.getByText('Write a subject before sending.').waitFor({ state: 'detached' });
      await dialog.getByRole('button', { name: 'Send', exact: true }).click();
      await dialog.getByText('Write the message before sending.').waitFor();
      expect(sends()).toBe(0);

      await dialog.getByRole('textbox', { name: 'Message' }).fill('Here is the offer we spoke about.');
      await dialog.getByRole('button', { name: 'Send', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(sends()).toBe(1);
      await expect
        .poll(async () => {
          const upNext = await walk.e2e.world.as('eastSeller', 'GET', `/api/records/${recordId}/up-next`);
          return upNext.json().completed.map((step: { nodeId: string }) => step.nodeId);
        })
        .toContain('mail');
    } finally {
      await context.close();
    }
  }, 90_000);

  it('activating from the sequence list names the step of each problem, never its internal id', async () => {
    const sequenceId = await createSequence(walk.e2e, 'eastSeller', 'Ends on a wait', {
      ...TASK_FLOW,
      start: 'call-the-buyer',
      nodes: [
        { id: 'call-the-buyer', kind: 'task', name: 'Call the buyer', next: 'wait-7' },
        { id: 'wait-7', kind: 'wait', days: 2, hours: 0, next: null },
      ],
    });
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    refuseNativeDialogs(page);
    try {
      await page.goto(`${walk.e2e.baseUrl}/sequences`);
      const row = page.getByTestId('sequence-row').filter({ hasText: 'Ends on a wait' });
      await row.getByRole('button', { name: 'Activate' }).click();
      await page.getByTestId('confirm-activate').click();
      const problem = page.getByTestId('activation-errors').getByRole('listitem');
      await problem.filter({ hasText: 'Wait' }).waitFor();
      const text = (await problem.textContent()) ?? '';
      expect(text).toMatch(/· Wait$/);
      expect(text).not.toContain('wait-7');
      const stored = await walk.e2e.world.as('eastSeller', 'GET', `/api/sequences/${sequenceId}`);
      expect(stored.json().status).toBe('inactive');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('the sequence list’s actions sit in their row at 1280 px', async () => {
    const sequenceId = await createSequence(walk.e2e, 'eastSeller', 'A sequence with a long description');
    await walk.e2e.world.store.db
      .updateTable('sequences')
      .set({
        description:
          'Call within the hour of a demo request, confirm or offer times by email, run the demo and follow up.',
      })
      .where('org_id', '=', ORG_ID)
      .where('id', '=', sequenceId)
      .execute();
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    try {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${walk.e2e.baseUrl}/sequences`);
      const row = page.getByTestId('sequence-row').filter({ hasText: 'A sequence with a long description' });
      const actions = row.getByRole('cell').last();
      await actions.getByRole('button', { name: 'Copy' }).waitFor();
      const [rowBox, cellBox] = [(await row.boundingBox())!, (await actions.boundingBox())!];
      expect(Math.abs(cellBox.y - rowBox.y), 'actions cell starts with its row').toBeLessThanOrEqual(1);
      expect(Math.abs(cellBox.height - rowBox.height), 'actions cell as tall as its row').toBeLessThanOrEqual(
        1,
      );
    } finally {
      await context.close();
    }
  }, 60_000);

  it('the sequence list and settings fit a 390 px phone: no sideways page scroll, settings get the width', async () => {
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    try {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const path of ['/sequences', '/settings/profile', '/settings/tokens']) {
        await page.goto(`${walk.e2e.baseUrl}${path}`);
        await page
          .locator(path === '/sequences' ? '[data-testid="sequence-row"]' : '.settings-body h2')
          .first()
          .waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${path}: horizontal scroll of the page`).toBeLessThanOrEqual(0);
      }
      const body = (await page.locator('.settings-body').boundingBox())!;
      expect(body.width, 'settings page width on a phone').toBeGreaterThanOrEqual(300);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('Up next disconnects the record from its sequence; the panel then offers to connect it again', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Leave from Up next');
    const recordId = await walk.createLead('eastSeller', 'Dina Disconnect');
    await walk.connect('eastSeller', recordId, sequenceId);
    await walk.firstStep('eastSeller', recordId);
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    refuseNativeDialogs(page);
    try {
      await page.goto(`${walk.e2e.baseUrl}/record/${recordId}`);
      const upNext = page.getByTestId('up-next');
      await upNext.getByTestId('current-step').waitFor();
      await upNext.getByRole('button', { name: 'Disconnect sequence' }).click();
      const dialog = page.getByRole('dialog', { name: 'Disconnect 1 record' });
      await dialog.getByText('The record leaves its sequence; its open steps are canceled.').waitFor();
      await dialog.getByRole('button', { name: 'Disconnect', exact: true }).click();
      await page.getByTestId('toast').filter({ hasText: '1 record disconnected.' }).waitFor();
      await upNext.getByRole('button', { name: 'Connect to a sequence' }).waitFor();
      await expect(upNext.getByTestId('current-step').count()).resolves.toBe(0);
      const after = await walk.e2e.world.as('eastSeller', 'GET', `/api/records/${recordId}/up-next`);
      expect(after.json().connection).toBeNull();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('deactivating from the list can also disconnect the connected records, as docs/sequences.md promises', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Switch off and let go');
    const recordIds: string[] = [];
    for (const name of ['Dora Deactivate', 'Dario Deactivate']) {
      const recordId = await walk.createLead('eastSeller', name);
      await walk.connect('eastSeller', recordId, sequenceId);
      await walk.firstStep('eastSeller', recordId);
      recordIds.push(recordId);
    }
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    refuseNativeDialogs(page);
    try {
      await page.goto(`${walk.e2e.baseUrl}/sequences`);
      const row = page.getByTestId('sequence-row').filter({ hasText: 'Switch off and let go' });
      await row.getByRole('button', { name: 'Deactivate' }).click();
      const dialog = page.getByRole('dialog');
      await dialog
        .getByLabel('Also disconnect its 2 connected records: their open steps are canceled.')
        .check();
      await dialog.getByTestId('confirm-action').click();
      await page.getByTestId('toast').filter({ hasText: '“Switch off and let go” deactivated.' }).waitFor();
      await page.getByTestId('toast').filter({ hasText: '2 records disconnected.' }).waitFor();
      await row.getByTestId('status-badge').filter({ hasText: 'Inactive' }).waitFor();
      for (const recordId of recordIds) {
        const upNext = await walk.e2e.world.as('eastSeller', 'GET', `/api/records/${recordId}/up-next`);
        expect(upNext.json().connection).toBeNull();
      }
    } finally {
      await context.close();
    }
  }, 60_000);

  it('bulk email on a step without a template explains why, and offers no send that would go out empty', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'No template to share', MANUAL_EMAIL);
    for (const name of ['Nina Notemplate', 'Nils Notemplate']) {
      const recordId = await walk.createLead('eastSeller', name);
      await walk.connect('eastSeller', recordId, sequenceId);
      await walk.firstStep('eastSeller', recordId);
    }
    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    refuseNativeDialogs(page);
    const sends = countRequests(page, /\/api\/bulk-email\/send$/);
    try {
      for (const name of ['Nina Notemplate', 'Nils Notemplate']) {
        await page.getByLabel(`Select ${name}`, { exact: true }).check();
      }
      await page.getByRole('button', { name: 'Bulk email (2)' }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog.getByTestId('bulk-no-template').textContent()).resolves.toContain(
        'This email step has no template',
      );
      // The server counts no recipient either (each email would be empty): the Send button offers nothing.
      await expect(dialog.getByRole('button', { name: 'Send 0 emails' }).isDisabled()).resolves.toBe(true);
      expect(sends()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a chosen snooze time is read on the seller’s own clock (profile time zone), not the browser’s', async () => {
    const sequenceId = await walk.activeSequence('eastSeller2', 'Snooze on my clock', {
      ...TASK_FLOW,
      start: 'call',
      nodes: [{ id: 'call', kind: 'phone_call', name: 'Call back', next: null }],
    });
    const recordId = await walk.createLead('eastSeller2', 'Tara Timezone');
    await walk.connect('eastSeller2', recordId, sequenceId);
    const stepId = await walk.firstStep('eastSeller2', recordId);
    await walk.e2e.world.store.db
      .updateTable('users')
      .set({ time_zone: 'America/New_York', locale: 'en' })
      .where('id', '=', USERS.eastSeller2.id)
      .execute();
    const day = addDays(localDateOf(walk.e2e.world.clock.now(), 'America/New_York'), 2);
    const expected = localInstant(day, 9 * 60, 'America/New_York');
    // The seller's laptop is on Warsaw time; the app shows every time on the profile's New York clock.
    const session = await walk.e2e.world.session('eastSeller2');
    const context = await walk.e2e.browser.newContext({ timezoneId: 'Europe/Warsaw', locale: 'en-US' });
    context.setDefaultTimeout(15_000);
    await context.clock.setFixedTime(walk.e2e.world.clock.now());
    const [name, value] = session.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: walk.e2e.baseUrl }]);
    const page = await context.newPage();
    refuseNativeDialogs(page);
    try {
      await page.goto(`${walk.e2e.baseUrl}/record/${recordId}`);
      await page.getByTestId('current-step').getByRole('button', { name: 'Snooze' }).click();
      const form = page.getByRole('form', { name: 'Snooze' });
      await form.getByTestId('snooze-tomorrow_morning').waitFor();
      await form.getByLabel('Or until').fill(`${day}T09:00`);
      await form.getByRole('button', { name: 'Snooze', exact: true }).click();
      await page.getByTestId('toast').filter({ hasText: 'Snoozed until' }).waitFor();
      await expect
        .poll(async () => {
          const row = await walk.e2e.world.store.db
            .selectFrom('step_instances')
            .select('due_at')
            .where('id', '=', stepId)
            .executeTakeFirst();
          return row?.due_at;
        })
        .toBe(expected);
    } finally {
      await context.close();
    }
  }, 60_000);
});
