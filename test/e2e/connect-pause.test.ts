import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBulkJobs } from '../../src/engine/bulk-connect.ts';
import { insertRecords } from '../connections/helpers.ts';
import { ORG_ID } from '../support/world.ts';
import { signInWithSession } from './session-sign-in.ts';
import { refuseNativeDialogs, startWalk, TASK_FLOW, type Walk } from './walk-support.ts';

/**
 * Issue 15, items 11 and 16 in Chromium: a seller picks exactly the records to connect from a sequence, and
 * pauses (with a reason) and resumes connections on the record and in bulk from the sequence's list.
 */
describe('picking records to connect, pausing and resuming (issue 15, items 11 and 16)', () => {
  let walk: Walk;
  beforeAll(async () => {
    walk = await startWalk('e2e-connect-pause');
  }, 60_000);
  afterAll(() => walk?.close());

  const connectedIds = async (sequenceId: string) =>
    (await walk.e2e.world.as('eastSeller', 'GET', `/api/sequences/${sequenceId}/connections`))
      .json()
      .items.map((row: { record: { id: string } }) => row.record.id)
      .sort();
  const statusOf = async (sequenceId: string, recordId: string) =>
    (await walk.e2e.world.as('eastSeller', 'GET', `/api/sequences/${sequenceId}/connections`))
      .json()
      .items.find((row: { record: { id: string } }) => row.record.id === recordId)?.status;
  const toast = (page: Page, text: string) => page.getByTestId('toast').filter({ hasText: text }).waitFor();

  it('11. a seller searches, connects exactly the 3 of 5 matching records picked, then all matching (English and Polish)', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Pick flow');
    const names = ['Ada Quill', 'Ben Quill', 'Cy Quill', 'Dee Quill', 'Eve Quill'];
    const ids = new Map<string, string>();
    for (const name of names) ids.set(name, await walk.createLead('eastSeller', name));
    await walk.createLead('eastSeller', 'Fay Other');
    const picked = ['Ada Quill', 'Cy Quill', 'Eve Quill'];

    const en = await signInWithSession(walk.e2e, 'eastSeller');
    try {
      refuseNativeDialogs(en.page);
      await en.page.goto(`${walk.e2e.baseUrl}/sequences/${sequenceId}/connected`);
      await en.page.getByRole('button', { name: 'Connect records', exact: true }).click();
      const dialog = en.page.getByRole('dialog');
      await dialog.getByRole('searchbox', { name: 'Search' }).fill('quill');
      await expect.poll(() => dialog.getByTestId('pick-row').count(), { timeout: 15_000 }).toBe(5);
      await expect(dialog.getByTestId('pick-row').allTextContents()).resolves.not.toContain(
        expect.stringContaining('Fay Other'),
      );
      for (const name of picked) await dialog.getByLabel(`Select ${name}`).check();
      const submit = dialog.getByTestId('connect-picked');
      expect(await submit.textContent()).toBe('Connect 3 records');
      expect(await dialog.getByRole('heading').textContent()).toBe('Connect 3 records to “Pick flow”');
      await submit.click();
      await dialog.getByTestId('connect-result').getByText('3 records connected.').waitFor();
      expect(await dialog.getByRole('heading').textContent()).toBe('Connect 3 records to “Pick flow”');
      expect(await connectedIds(sequenceId)).toEqual(picked.map((name) => ids.get(name)!).sort());
    } finally {
      await en.context.close();
    }

    const pl = await signInWithSession(walk.e2e, 'eastSeller', { locale: 'pl' });
    try {
      refuseNativeDialogs(pl.page);
      await pl.page.goto(`${walk.e2e.baseUrl}/sequences/${sequenceId}/connected`);
      await pl.page.getByRole('button', { name: 'Połącz rekordy', exact: true }).click();
      const dialog = pl.page.getByRole('dialog');
      await dialog.getByRole('searchbox', { name: 'Szukaj' }).fill('Quill');
      // Only open records without a sequence are offered by default: the two not connected yet.
      await expect.poll(() => dialog.getByTestId('pick-row').count(), { timeout: 15_000 }).toBe(2);
      await dialog.getByRole('button', { name: 'Zaznacz wszystkie pasujące rekordy' }).click();
      await dialog.getByTestId('pick-count').getByText('2 zaznaczone').waitFor();
      const submit = dialog.getByTestId('connect-picked');
      expect(await submit.textContent()).toBe('Połącz 2 rekordy');
      await submit.click();
      await dialog.getByTestId('connect-result').getByText('Połączono 2 rekordy.').waitFor();
      expect(await dialog.getByRole('heading').textContent()).toBe('Połącz 2 rekordy z „Pick flow”');
      expect(await connectedIds(sequenceId)).toEqual([...ids.values()].sort());
    } finally {
      await pl.context.close();
    }
  }, 120_000);

  it('11. "select all matching" pages past every list limit; 1,030 records connect as a bulk job, refusals named', async () => {
    const template = await walk.e2e.world.store.db
      .selectFrom('email_templates')
      .select('id')
      .where('org_id', '=', ORG_ID)
      .executeTakeFirstOrThrow();
    // An email first step: records marked "do not email" are refused.
    const sequenceId = await walk.activeSequence('eastSeller', 'Mass flow', {
      ...TASK_FLOW,
      start: 'mail',
      nodes: [{ id: 'mail', kind: 'email', name: 'Introduction', templateId: template.id, next: null }],
    });
    const ids = await insertRecords(walk.e2e.world, 1030, (i) => ({
      name: `Mass Lead ${String(i).padStart(4, '0')}`,
      email: `mass.lead.${i}@example.com`,
      company: 'Massive Ltd',
      do_not_email: i === 7 || i === 13 ? 1 : 0,
    }));

    const { context, page } = await signInWithSession(walk.e2e, 'eastSeller');
    try {
      refuseNativeDialogs(page);
      await page.goto(`${walk.e2e.baseUrl}/sequences/${sequenceId}/connected`);
      await page.getByRole('button', { name: 'Connect records', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('searchbox', { name: 'Search' }).fill('massive');
      // The list shows a first page; the rest load on demand.
      await expect.poll(() => dialog.getByTestId('pick-row').count(), { timeout: 15_000 }).toBe(50);
      await dialog.getByTestId('pick-row').first().getByText('Mass Lead 0000').waitFor();
      await dialog.getByRole('button', { name: 'Select all matching records' }).click();
      await dialog.getByTestId('pick-count').getByText('1030 selected', { exact: true }).waitFor();
      const submit = dialog.getByTestId('connect-picked');
      expect(await submit.textContent()).toBe('Connect 1030 records');
      await submit.click();
      await dialog.getByTestId('connect-result').waitFor();
      await runBulkJobs({ store: walk.e2e.world.store, clock: walk.e2e.world.clock });
      await dialog.getByTestId('connect-result').getByText('1028 records connected.').waitFor();
      expect(await dialog.getByTestId('connect-refusals').textContent()).toContain(
        'Mass Lead 0007, Mass Lead 0013',
      );
      expect(await dialog.getByRole('heading').textContent()).toBe('Connect 1030 records to “Mass flow”');
      const rows = await walk.e2e.world.store.db
        .selectFrom('connections')
        .select('record_id')
        .where('sequence_id', '=', sequenceId)
        .execute();
      expect(rows.map((row) => row.record_id).sort()).toEqual(
        ids.filter((_, i) => i !== 7 && i !== 13).sort(),
      );
    } finally {
      await context.close();
    }
  }, 120_000);

  it('16. a seller pauses a record with a reason, sees it on the record and in the list, resumes it; bulk pause of 2 (English and Polish)', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Pause flow');
    const pia = await walk.createLead('eastSeller', 'Pia Pause');
    const pat = await walk.createLead('eastSeller', 'Pat Pause');
    const pim = await walk.createLead('eastSeller', 'Pim Pause');
    for (const id of [pia, pat, pim]) await walk.connect('eastSeller', id, sequenceId);

    const en = await signInWithSession(walk.e2e, 'eastSeller');
    try {
      refuseNativeDialogs(en.page);
      await en.page.goto(`${walk.e2e.baseUrl}/record/${pia}`);
      const upNext = en.page.getByTestId('up-next');
      await upNext.getByRole('button', { name: 'Pause', exact: true }).click();
      const dialog = en.page.getByRole('dialog');
      expect(await dialog.getByRole('heading').textContent()).toBe('Pause 1 record');
      // The reason is required.
      expect(await dialog.getByTestId('confirm-pause').isDisabled()).toBe(true);
      await dialog.getByLabel('Out of office').check();
      await dialog.getByLabel('Details (optional)').fill('back on Monday');
      await dialog.getByTestId('confirm-pause').click();
      await toast(en.page, '1 record paused.');
      await upNext.getByTestId('paused-note').getByText('Paused: Out of office: back on Monday').waitFor();
      await en.page.getByTestId('timeline').getByText('Sequence paused').waitFor();
      await expect(en.page.getByTestId('timeline').textContent()).resolves.toContain(
        'Sequence paused: Out of office: back on Monday',
      );
      expect(await statusOf(sequenceId, pia)).toBe('paused');

      await en.page.goto(`${walk.e2e.baseUrl}/sequences/${sequenceId}/connected`);
      const row = en.page.getByTestId('connected-row').filter({ hasText: 'Pia Pause' });
      await row.getByTestId('connection-status').getByText('Paused: Out of office: back on Monday').waitFor();
      await expect(
        en.page
          .getByTestId('connected-row')
          .filter({ hasText: 'Pat Pause' })
          .getByTestId('connection-status')
          .textContent(),
      ).resolves.toBe('Active');

      await row.getByRole('link', { name: 'Pia Pause' }).click();
      await upNext.getByRole('button', { name: 'Resume', exact: true }).click();
      await toast(en.page, '1 record resumed.');
      await upNext.getByRole('button', { name: 'Pause', exact: true }).waitFor();
      expect(await upNext.getByTestId('paused-note').count()).toBe(0);
      await en.page.getByTestId('timeline').getByText('Sequence resumed').waitFor();
      expect(await statusOf(sequenceId, pia)).toBe('active');
    } finally {
      await en.context.close();
    }

    const pl = await signInWithSession(walk.e2e, 'eastSeller', { locale: 'pl' });
    try {
      refuseNativeDialogs(pl.page);
      await pl.page.goto(`${walk.e2e.baseUrl}/sequences/${sequenceId}/connected`);
      await pl.page.getByLabel('Zaznacz Pat Pause').check();
      await pl.page.getByLabel('Zaznacz Pim Pause').check();
      await pl.page.getByRole('button', { name: 'Wstrzymaj zaznaczone' }).click();
      const dialog = pl.page.getByRole('dialog');
      expect(await dialog.getByRole('heading').textContent()).toBe('Wstrzymaj 2 rekordy');
      await dialog.getByLabel('Inny').check();
      expect(await dialog.getByTestId('confirm-pause').isDisabled()).toBe(true);
      await dialog.getByLabel('Szczegóły', { exact: true }).fill('Urlop klienta');
      await dialog.getByTestId('confirm-pause').click();
      await toast(pl.page, 'Wstrzymano 2 rekordy.');
      for (const name of ['Pat Pause', 'Pim Pause']) {
        await pl.page
          .getByTestId('connected-row')
          .filter({ hasText: name })
          .getByTestId('connection-status')
          .getByText('Wstrzymane: Urlop klienta')
          .waitFor();
      }
      expect(await statusOf(sequenceId, pat)).toBe('paused');
      expect(await statusOf(sequenceId, pim)).toBe('paused');
      expect(await statusOf(sequenceId, pia)).toBe('active');

      await pl.page.goto(`${walk.e2e.baseUrl}/record/${pim}`);
      await pl.page.getByTestId('paused-note').getByText('Wstrzymane: Urlop klienta').waitFor();
      await pl.page.getByTestId('timeline').getByText('Sekwencja wstrzymana').waitFor();
    } finally {
      await pl.context.close();
    }
  }, 120_000);
});
