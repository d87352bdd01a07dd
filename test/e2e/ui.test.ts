import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { runImportJobs } from '../../src/engine/import-jobs.ts';
import { type EngineWorker, startEngineWorker } from '../../src/engine/worker.ts';
import { addNode, createSequence, type E2E, screenshot, signIn, startE2E } from './designer-helpers.ts';

/**
 * The seller's day in a real browser (Chromium via playwright-core) against the real server on a fresh SQLite
 * file: a sequence from a template, the activation error on a trailing wait, connecting leads from the grid, the
 * work list, completing a call in Up next and following the right branch, business-unit isolation, and the
 * same walk in Polish. Screenshots of the main screens go to docs/screenshots/ (listed in docs/ui.md).
 */
const shot = screenshot;

const CALL_FLOW: SequenceDefinition = {
  start: 'call',
  nodes: [
    { id: 'call', kind: 'phone_call', name: 'Discovery call', next: 'outcome' },
    {
      id: 'outcome',
      kind: 'condition_call',
      name: 'Reached?',
      inspects: 'call',
      outcomes: ['connected'],
      yes: 'demo',
      no: 'sorry',
    },
    { id: 'demo', kind: 'task', name: 'Book a demo', next: null },
    { id: 'sorry', kind: 'text_message', name: 'Sorry I missed you', next: null },
  ],
  options: {
    exitOnReply: true,
    skipNonWorkingDays: false,
    sendWindow: null,
    trackOpens: true,
    trackClicks: true,
  },
};

const LEADS = [
  {
    name: 'Alicja Nowak',
    company: 'Wisła Logistics',
    phoneBusiness: '+48 22 123 45 67',
    phoneMobile: '+48 600 100 200',
  },
  { name: 'Bruno Keller', company: 'Alpine Freight', phoneBusiness: '+41 44 555 01 01', phoneMobile: null },
  { name: 'Clara Jensen', company: 'Nordic Health', phoneBusiness: '+45 33 12 34 56', phoneMobile: null },
  { name: 'Dario Rossi', company: 'Tevere Foods', phoneBusiness: '+39 06 1234 5678', phoneMobile: null },
];

describe('the seller’s day in the browser', () => {
  let e2e: E2E;
  let worker: EngineWorker | undefined;
  let callFlowId = '';
  const leadIds = new Map<string, string>();

  beforeAll(async () => {
    e2e = await startE2E();
    // The scheduler runs beside the API, as in `stepwise serve` (it polls; time comes from the world's clock).
    worker = startEngineWorker({
      store: e2e.world.store,
      clock: e2e.world.clock,
      logger: silentLogger,
      config: testConfig({ databaseUrl: e2e.world.store.url }),
      workerId: 'e2e-worker',
    });
    for (const lead of LEADS) {
      const email = `${lead.name.split(' ')[0]!.toLowerCase()}@example.com`;
      const created = await e2e.world.as('eastSeller', 'POST', '/api/records', {
        type: 'lead',
        email,
        ...lead,
      });
      expect(created.statusCode).toBe(201);
      leadIds.set(lead.name, created.json().id);
    }
    // Stay on the record after completing a step, so Up next can be watched advancing.
    const profile = await e2e.world.as('eastSeller', 'PATCH', '/api/me/profile', {
      preferences: { afterCompleteStep: 'stay' },
    });
    expect(profile.statusCode).toBe(200);
    callFlowId = await createSequence(e2e, 'eastSeller', 'Discovery calls', CALL_FLOW);
    const activated = await e2e.world.as('eastSeller', 'POST', `/api/sequences/${callFlowId}/activate`, {});
    expect(activated.statusCode).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await e2e?.close();
  });

  it('creates a sequence from a template, shows the error of a trailing wait on its node, then activates', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/sequences`);
      await page.getByRole('button', { name: 'New sequence' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('Webinar follow-up').click();
      await dialog.getByLabel('Name', { exact: true }).fill('Webinar leads Q1');
      await shot(page, 'new-sequence-en');
      await dialog.getByRole('button', { name: 'Create' }).click();
      await page.getByTestId('designer-start').waitFor();
      const id = new URL(page.url()).pathname.split('/')[2]!;

      const created = (await e2e.world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json();
      expect(created).toMatchObject({ name: 'Webinar leads Q1', status: 'inactive', recordType: 'lead' });
      const last = (created.definition.nodes as { id: string; next?: string | null }[]).find(
        (node) => 'next' in node && node.next === null,
      )!;
      const wait = await addNode(page, `${last.id}:next`, 'wait');
      await page.getByTestId('activate').click();
      await page.getByTestId('activate-confirm').click();
      const problem = page.getByTestId(`node-problem-${wait}`);
      await problem.waitFor();
      expect(await problem.textContent()).toMatch(/wait/i);
      await shot(page, 'activation-error-en');

      await addNode(page, `${wait}:next`, 'task');
      await problem.waitFor({ state: 'detached' });
      await page.getByTestId('activate').click();
      await page.getByTestId('activate-confirm').click();
      await page.getByTestId('read-only-banner').waitFor();
      expect((await e2e.world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json().status).toBe('active');

      await page.goto(`${e2e.baseUrl}/sequences`);
      const row = page.getByTestId('sequence-row').filter({ hasText: 'Webinar leads Q1' });
      expect(await row.getByTestId('status-badge').textContent()).toBe('Active');
      await shot(page, 'sequences-en');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('connects three leads from the grid, lists them in the work list, and Up next follows the call outcome', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/records/lead`);
      for (const lead of LEADS.slice(0, 3)) await page.getByLabel(`Select ${lead.name}`).check();
      await page.getByTestId('connect-sequence').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Discovery calls').check();
      await dialog.getByTestId('confirm-connect').click();
      await expect(dialog.getByTestId('connect-result').textContent()).resolves.toContain(
        '3 records connected.',
      );
      await dialog.getByRole('button', { name: 'Close' }).first().click();
      await page
        .getByTestId('record-row')
        .filter({ hasText: 'Alicja Nowak' })
        .getByText('Discovery calls')
        .waitFor();
      await shot(page, 'records-en');

      await page.goto(e2e.baseUrl);
      const items = page.getByTestId('work-item');
      await items.first().waitFor();
      expect(await items.count()).toBe(3);
      for (const lead of LEADS.slice(0, 3)) {
        expect(await items.filter({ hasText: lead.name }).textContent()).toContain('Discovery call');
      }
      expect(await page.getByTestId('worklist').textContent()).not.toContain('Dario Rossi');
      await items.filter({ hasText: 'Bruno Keller' }).getByRole('button', { name: 'Actions' }).click();
      await shot(page, 'worklist-en');

      // Connected: the Yes branch (book a demo).
      await completeCall(page, e2e, leadIds.get('Alicja Nowak')!, 'connected');
      await expect(page.getByTestId('current-step').textContent()).resolves.toContain('Book a demo');
      expect(await page.getByTestId('completed-steps').textContent()).toContain('Connected');
      await shot(page, 'record-up-next-en');

      // No answer: the No branch.
      await completeCall(page, e2e, leadIds.get('Bruno Keller')!, 'no_answer');
      await expect(page.getByTestId('current-step').textContent()).resolves.toContain('Sorry I missed you');
      expect(await page.getByTestId('completed-steps').textContent()).toContain('No answer');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a seller of another business unit cannot see the sequence or the leads', async () => {
    const { context, page } = await signIn(e2e, 'westSeller');
    try {
      await page.goto(`${e2e.baseUrl}/sequences`);
      await page.getByText('No sequences match these filters.').waitFor();
      expect(await page.getByTestId('sequence-row').count()).toBe(0);
      await page.goto(`${e2e.baseUrl}/sequences/${callFlowId}`);
      await page.getByRole('alert').first().waitFor();
      expect(await page.getByRole('alert').first().textContent()).toMatch(/not found/i);
      await page.goto(`${e2e.baseUrl}/records/lead`);
      await page.getByText('No records match these filters.').waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a Polish-speaking seller walks the work list, the sequences and Up next in Polish', async () => {
    const next = await e2e.world.as('eastSeller', 'PATCH', '/api/me/profile', {
      preferences: { afterCompleteStep: 'next_item' },
    });
    expect(next.statusCode).toBe(200);
    const { context, page } = await signIn(e2e, 'eastSeller', { locale: 'pl' });
    try {
      await page.getByRole('heading', { name: 'Lista zadań' }).waitFor();
      const item = page.getByTestId('work-item').filter({ hasText: 'Clara Jensen' });
      expect(await item.textContent()).toContain('Rozmowa telefoniczna');
      expect(await item.textContent()).toContain('Potencjalny klient');
      await item.getByRole('button', { name: 'Akcje' }).click();
      await item.getByRole('button', { name: 'Oznacz jako ukończone' }).waitFor();
      await shot(page, 'worklist-pl');

      await item.getByRole('link', { name: 'Clara Jensen' }).click();
      await page.getByRole('heading', { name: 'Dalej' }).waitFor();
      // The heading shows before the panel's data arrives: wait for the progress line rather than read it once.
      await expect.poll(() => page.getByTestId('up-next').textContent()).toContain('Wykonano 0 z');
      await shot(page, 'record-up-next-pl');

      // "After completing a step: go to the next work item" takes the seller to another record's Up next.
      const current = page.getByTestId('current-step');
      await current.getByRole('button', { name: 'Oznacz jako ukończone' }).click();
      await current.getByTestId('call-outcome').selectOption('busy');
      await current.getByRole('button', { name: 'Ukończ krok' }).click();
      const clara = leadIds.get('Clara Jensen')!;
      await page.waitForURL((url) => url.pathname.startsWith('/record/') && !url.pathname.endsWith(clara));
      await page.getByRole('heading', { name: 'Dalej' }).waitFor();

      await page.goto(`${e2e.baseUrl}/sequences`);
      await page.getByRole('heading', { name: 'Sekwencje' }).waitFor();
      const row = page.getByTestId('sequence-row').filter({ hasText: 'Discovery calls' });
      expect(await row.getByTestId('status-badge').textContent()).toBe('Aktywna');
      await shot(page, 'sequences-pl');

      await page.goto(`${e2e.baseUrl}/records/lead`);
      await page.getByRole('button', { name: 'Połącz sekwencję' }).waitFor();
      await page.getByRole('heading', { name: 'Potencjalni klienci' }).waitFor();
      await shot(page, 'records-pl');

      // The header's language switch saves the choice in the profile.
      await page.getByTestId('language-switch').selectOption('en');
      await page.getByRole('heading', { name: 'Leads' }).waitFor();
      await expect
        .poll(async () => (await e2e.world.as('eastSeller', 'GET', '/api/me/profile')).json().locale)
        .toBe('en');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('imports leads from CSV with a column mapping and reports the rows it refused', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller2');
    try {
      await page.goto(`${e2e.baseUrl}/records/lead`);
      await page.getByRole('button', { name: 'Import CSV' }).click();
      const dialog = page.getByRole('dialog');
      const csv =
        'Full name,E-mail,Company,Notes\nEwa Zielińska,ewa@example.com,Baltic Ships,met at fair\nNo Email,not-an-email,Broken Ltd,\n';
      await dialog
        .getByLabel('CSV file')
        .setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      expect(await dialog.getByLabel('Field for column Full name').inputValue()).toBe('name');
      expect(await dialog.getByLabel('Field for column E-mail').inputValue()).toBe('email');
      expect(await dialog.getByLabel('Field for column Notes').inputValue()).toBe('ignore');
      await dialog.getByRole('button', { name: 'Import', exact: true }).click();
      const report = dialog.getByTestId('import-report');
      // The import is a background job (serve's runner in production); here the test runs it once queued.
      await expect
        .poll(async () => {
          const jobs = await e2e.world.store.db
            .selectFrom('bulk_jobs')
            .select('id')
            .where('kind', '=', 'import')
            .execute();
          return jobs.length;
        })
        .toBeGreaterThan(0);
      await runImportJobs({ store: e2e.world.store, clock: e2e.world.clock });
      await report.waitFor();
      expect(await report.textContent()).toContain('Imported: 1. Not imported: 1.');
      expect(await report.getByRole('row').nth(1).textContent()).toMatch(/^3/);
      await dialog.getByRole('button', { name: 'Close' }).last().click();
      await page.getByTestId('record-row').filter({ hasText: 'Ewa Zielińska' }).waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('insights and settings render for a sales manager and an admin', async () => {
    const manager = await signIn(e2e, 'eastSalesManager');
    try {
      await manager.page.goto(`${e2e.baseUrl}/sequences/${callFlowId}/insights`);
      await manager.page.getByText('Funnel').waitFor({ timeout: 30_000 });
      await shot(manager.page, 'insights-en');
    } finally {
      await manager.context.close();
    }
    const admin = await signIn(e2e, 'eastAdmin');
    try {
      await admin.page.goto(`${e2e.baseUrl}/settings/profile`);
      await admin.page.getByRole('heading', { name: 'Profile' }).waitFor();
      await shot(admin.page, 'settings-en');
    } finally {
      await admin.context.close();
    }
  }, 60_000);
});

async function completeCall(page: Page, e2e: E2E, recordId: string, outcome: string): Promise<void> {
  await page.goto(`${e2e.baseUrl}/record/${recordId}`);
  const current = page.getByTestId('current-step');
  await current.getByText('Discovery call').waitFor();
  await current.getByRole('button', { name: 'Mark complete' }).click();
  await current.getByTestId('call-outcome').selectOption(outcome);
  await current.getByTestId('confirm-complete').click();
  await current.getByText('Discovery call').waitFor({ state: 'detached' });
}
