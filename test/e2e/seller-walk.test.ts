import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { USERS, type WorldUserKey } from '../support/world.ts';
import { createSequence, type E2E } from './designer-helpers.ts';
import { signInWithSession } from './session-sign-in.ts';
import { refuseNativeDialogs, startWalk, type Walk } from './walk-support.ts';

/**
 * Issue 15, "Wrong or broken": a newcomer's walk through the seller screens in Chromium, one test per place
 * where a seller would stop (assigned steps, long lists, tag filters, permissions, revisions, confirmations).
 */
describe('a seller’s walk, fixed (issue 15)', () => {
  let walk: Walk | undefined;
  let e2e: E2E;
  const createLead = (owner: WorldUserKey, name: string) => walk!.createLead(owner, name);
  const activeSequence = (owner: WorldUserKey, name: string, definition?: SequenceDefinition) =>
    walk!.activeSequence(owner, name, definition);

  beforeAll(async () => {
    walk = await startWalk('e2e-walk-worker');
    e2e = walk.e2e;
  }, 60_000);
  afterAll(() => walk?.close());

  it('1. a colleague assigned a step opens the record from their work list and completes the step', async () => {
    const recordId = await createLead('eastSeller', 'Greta Lind');
    const sequenceId = await activeSequence('eastSeller', 'Offers');
    const connected = await e2e.world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, {
      sequenceId,
    });
    expect(connected.statusCode).toBe(201);
    let stepId = '';
    await expect
      .poll(async () => {
        const list = (await e2e.world.as('eastSeller', 'GET', '/api/worklist')).json();
        stepId =
          list.items.find((item: { record: { id: string } }) => item.record.id === recordId)?.step.id ?? '';
        return stepId;
      })
      .not.toBe('');
    const assigned = await e2e.world.as('eastSeller', 'POST', `/api/steps/${stepId}/assign`, {
      userId: USERS.eastSeller2.id,
    });
    expect(assigned.statusCode).toBe(200);

    const { context, page } = await signInWithSession(e2e, 'eastSeller2');
    try {
      const item = page.getByTestId('work-item').filter({ hasText: 'Greta Lind' });
      await item.getByRole('link', { name: 'Greta Lind' }).click();
      await page.getByRole('heading', { name: 'Greta Lind' }).waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);
      const current = page.getByTestId('current-step');
      await current.getByText('Prepare the offer').waitFor();
      await current.getByRole('button', { name: 'Mark complete' }).click();
      await current.getByTestId('confirm-complete').click();
      await current.getByText('Prepare the offer').waitFor({ state: 'detached' });
    } finally {
      await context.close();
    }
    // The record is still not theirs to edit; a stranger still gets "not found".
    expect(
      (await e2e.world.as('eastSeller2', 'PATCH', `/api/records/${recordId}`, { company: 'X' })).statusCode,
    ).toBe(404);
    expect((await e2e.world.as('westSeller', 'GET', `/api/records/${recordId}`)).statusCode).toBe(404);
  }, 60_000);

  it('2. the sequence list pages through every sequence, past the first page', async () => {
    for (let n = 0; n < 230; n++) {
      await createSequence(e2e, 'eastEntSeller', `Paged ${String(n).padStart(3, '0')}`);
    }
    const { context, page } = await signInWithSession(e2e, 'eastEntSeller');
    try {
      await page.goto(`${e2e.baseUrl}/sequences?sort=name`);
      const rows = page.getByTestId('sequence-row');
      await rows.first().waitFor();
      const more = page.getByTestId('load-more');
      while ((await rows.count()) < 230) {
        if (await more.isVisible()) await more.click().catch(() => {});
        await page.waitForTimeout(100);
      }
      await rows.filter({ hasText: 'Paged 229' }).waitFor();
      expect(await rows.count()).toBe(230);
      await more.waitFor({ state: 'detached' });
    } finally {
      await context.close();
    }
  }, 120_000);

  it('6. filtering by a parent tag lists the sequences tagged with its children', async () => {
    const parent = await e2e.world.as('eastSeqManager', 'POST', '/api/tags', { name: 'Region' });
    expect(parent.statusCode).toBe(201);
    const child = await e2e.world.as('eastSeqManager', 'POST', '/api/tags', {
      name: 'Poland',
      parentId: parent.json().id,
    });
    expect(child.statusCode).toBe(201);
    const sequenceId = await createSequence(e2e, 'eastSeller', 'Polish prospects');
    const applied = await e2e.world.as(
      'eastSeller',
      'PUT',
      `/api/sequences/${sequenceId}/tags/${child.json().id}`,
    );
    expect(applied.statusCode).toBeLessThan(300);

    const { context, page } = await signInWithSession(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/sequences`);
      await page.getByTestId('sequence-row').first().waitFor();
      await page.locator('search').getByLabel('Tags').selectOption({ label: 'Region' });
      await expect
        .poll(() => page.getByTestId('sequence-row').allTextContents())
        .toEqual([expect.stringContaining('Polish prospects')]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('7. buttons a user may not use are not offered: Insights for sellers, New/Copy/Connect when restricted', async () => {
    await createSequence(e2e, 'eastSeller', 'Restricted copy');
    await createLead('eastSeller', 'Hanna Berg');
    const seller = await signInWithSession(e2e, 'eastSeller');
    try {
      await seller.page.getByRole('link', { name: 'Sequences' }).waitFor();
      expect(await seller.page.getByRole('link', { name: 'Insights' }).count()).toBe(0);
      await seller.page.goto(`${e2e.baseUrl}/sequences`);
      await seller.page.getByRole('button', { name: 'New sequence' }).waitFor();
    } finally {
      await seller.context.close();
    }
    const manager = await signInWithSession(e2e, 'eastSalesManager');
    try {
      await manager.page.getByRole('link', { name: 'Insights' }).waitFor();
    } finally {
      await manager.context.close();
    }

    const restrict = await e2e.world.as('eastAdmin', 'PATCH', '/api/admin/settings', {
      featureRoles: ['sequence_manager'],
    });
    expect(restrict.statusCode).toBe(200);
    try {
      const { context, page } = await signInWithSession(e2e, 'eastSeller');
      try {
        await page.goto(`${e2e.baseUrl}/sequences?search=Restricted`);
        const row = page.getByTestId('sequence-row').filter({ hasText: 'Restricted copy' });
        await row.waitFor();
        expect(await page.getByRole('button', { name: 'New sequence' }).count()).toBe(0);
        expect(await row.getByRole('button', { name: 'Copy' }).count()).toBe(0);
        await page.goto(`${e2e.baseUrl}/records/lead`);
        await page.getByTestId('record-row').filter({ hasText: 'Hanna Berg' }).waitFor();
        expect(await page.getByTestId('connect-sequence').count()).toBe(0);
      } finally {
        await context.close();
      }
    } finally {
      await e2e.world.as('eastAdmin', 'PATCH', '/api/admin/settings', { featureRoles: null });
    }
  }, 60_000);

  it('12 and 15. editing an active sequence opens its revision; deactivating asks in the app and confirms', async () => {
    const editId = await activeSequence('eastSeller', 'Revise me');
    await activeSequence('eastSeller', 'Switch me off');
    const { context, page } = await signInWithSession(e2e, 'eastSeller');
    refuseNativeDialogs(page);
    try {
      await page.goto(`${e2e.baseUrl}/sequences?search=me`);
      const revise = page.getByTestId('sequence-row').filter({ hasText: 'Revise me' });
      await revise.getByRole('button', { name: 'Edit' }).click();
      await page.waitForURL((url) => url.pathname === `/sequences/${editId}`);
      await page.getByTestId('designer-start').waitFor();
      expect(await page.getByTestId('read-only-banner').count()).toBe(0);
      expect((await e2e.world.as('eastSeller', 'GET', `/api/sequences/${editId}`)).json().status).toBe(
        'revision',
      );

      await page.goto(`${e2e.baseUrl}/sequences?search=me`);
      const off = page.getByTestId('sequence-row').filter({ hasText: 'Switch me off' });
      await off.getByRole('button', { name: 'Deactivate' }).click();
      await page.getByRole('dialog').getByTestId('confirm-action').click();
      await page.getByTestId('toast').filter({ hasText: '“Switch me off” deactivated.' }).waitFor();
      expect(await off.getByTestId('status-badge').textContent()).toBe('Inactive');
    } finally {
      await context.close();
    }
  }, 60_000);
});
