import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLS_ONLY, insertRecords, insertSequence } from '../connections/helpers.ts';
import { BU, USERS } from '../support/world.ts';
import { type E2E, signIn, startE2E } from './designer-helpers.ts';

/**
 * Sequences → Segments in a real browser (issue 15 item 16): a sequence manager builds a segment's rule with the
 * designer's field-rule builder, watches the live preview agree with the API, saves, edits and deletes it; a
 * seller is offered none of it. English and Polish. The UI must be built first (`npm run build:web`).
 */
const TEXT = {
  en: {
    segments: 'Segments',
    newSegment: 'New segment',
    name: 'Name',
    priority: 'Priority',
    field: (n: number) => `Condition ${n}: Field`,
    operator: (n: number) => `Condition ${n}: Comparison`,
    value: (n: number) => `Condition ${n}: Value`,
    addCondition: 'Add a condition',
    company: 'Company',
    jobTitle: 'Job title',
    eq: 'equals',
    contains: 'contains',
    save: 'Save',
    edit: 'Edit',
    delete: 'Delete',
    created: 'Segment “CTOs at Globex” created.',
    count: (n: number) => `${n} matching records`,
    notAllowed: 'Only sequence managers and admins manage segments.',
  },
  pl: {
    segments: 'Segmenty',
    newSegment: 'Nowy segment',
    name: 'Nazwa',
    priority: 'Priorytet',
    field: (n: number) => `Warunek ${n}: Pole`,
    operator: (n: number) => `Warunek ${n}: Porównanie`,
    value: (n: number) => `Warunek ${n}: Wartość`,
    addCondition: 'Dodaj warunek',
    company: 'Firma',
    jobTitle: 'Stanowisko',
    eq: 'jest równe',
    contains: 'zawiera',
    save: 'Zapisz',
    edit: 'Edytuj',
    delete: 'Usuń',
    created: 'Utworzono segment „CTOs at Globex”.',
    // Polish plural forms: 2–4 "pasujące rekordy", 5+ "pasujących rekordów".
    count: (n: number) => (n % 10 >= 2 && n % 10 <= 4 ? `${n} pasujące rekordy` : `${n} pasujących rekordów`),
    notAllowed: 'Segmentami zarządzają tylko menedżerowie sekwencji i administratorzy.',
  },
} as const;

const pad = (i: number) => String(i).padStart(2, '0');

async function previewCount(page: Page): Promise<number> {
  return Number(await page.getByTestId('segment-preview-count').getAttribute('data-count'));
}

describe.each(['en', 'pl'] as const)('segment editor in the browser (%s)', (locale) => {
  const text = TEXT[locale];
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
    await insertSequence(e2e.world, CALLS_ONLY, { name: 'Enterprise outreach' });
    // 24 open East leads: Globex every 2nd, CTO every 3rd, so both every 6th (4 records: 00, 06, 12, 18).
    await insertRecords(e2e.world, 24, (i) => ({
      name: `Prospect ${pad(i)}`,
      company: i % 2 === 0 ? 'Globex' : 'Initech',
      job_title: i % 3 === 0 ? 'CTO' : 'Buyer',
      owner_id: USERS.eastSeller.id,
      business_unit_id: BU.east,
    }));
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it('a manager builds a two-rule segment, sees the preview the API gives, saves, edits and deletes it', async () => {
    const { context, page } = await signIn(e2e, 'eastSeqManager', { locale });
    try {
      await page.goto(`${e2e.baseUrl}/sequences`);
      await page.getByRole('link', { name: text.segments, exact: true }).click();
      await page.getByRole('heading', { name: text.segments, level: 1 }).waitFor();
      await page.getByRole('button', { name: text.newSegment }).click();
      const editor = page.getByTestId('segment-editor');
      await editor.getByLabel(text.name, { exact: true }).fill('CTOs at Globex');
      await editor.getByLabel(text.field(1)).selectOption({ label: text.company });
      await editor.getByLabel(text.operator(1)).selectOption({ label: text.eq });
      await editor.getByLabel(text.value(1)).fill('globex');
      await editor.getByRole('button', { name: text.addCondition }).click();
      await editor.getByLabel(text.field(2)).selectOption({ label: text.jobTitle });
      await editor.getByLabel(text.operator(2)).selectOption({ label: text.contains });
      await editor.getByLabel(text.value(2)).fill('cto');

      const rule = {
        combine: 'and',
        groups: [
          {
            combine: 'and',
            conditions: [
              { field: 'company', operator: 'eq', value: 'globex' },
              { field: 'job_title', operator: 'contains', value: 'cto' },
            ],
          },
        ],
      };
      const api = await e2e.world.as('eastSeqManager', 'POST', '/api/segments/preview', {
        recordType: 'lead',
        rule,
      });
      expect(api.json().count).toBe(4);
      await page.getByTestId('segment-preview-count').getByText(text.count(4), { exact: true }).waitFor();
      expect(await previewCount(page)).toBe(api.json().count);
      const names = await page.getByTestId('segment-preview-names').getByRole('link').allTextContents();
      expect(names).toEqual(api.json().items.map((r: { name: string }) => r.name));
      expect(names).toEqual(['Prospect 00', 'Prospect 06', 'Prospect 12', 'Prospect 18']);

      await editor.getByRole('button', { name: text.save }).click();
      await page.getByText(text.created).waitFor();
      const row = page.getByTestId('segment-row').filter({ hasText: 'CTOs at Globex' });
      await row.getByText('Enterprise outreach').waitFor();
      const saved = (await e2e.world.as('eastSeqManager', 'GET', '/api/segments')).json().items;
      expect(saved).toHaveLength(1);
      expect(saved[0]).toMatchObject({ name: 'CTOs at Globex', recordType: 'lead', rule, enabled: true });

      // Edit: the first condition now asks for Initech (every odd lead, CTO every 3rd: 03, 09, 15, 21), priority 5.
      await row.getByRole('button', { name: `${text.edit} CTOs at Globex` }).click();
      await editor.getByLabel(text.value(1)).fill('Initech');
      await editor.getByLabel(text.priority).fill('5');
      await page.getByTestId('segment-preview-names').getByText('Prospect 03').waitFor();
      expect(await previewCount(page)).toBe(4);
      await editor.getByRole('button', { name: text.save }).click();
      await page
        .getByTestId('segment-row')
        .filter({ hasText: 'CTOs at Globex' })
        .getByText('5', { exact: true })
        .waitFor();
      const edited = (await e2e.world.as('eastSeqManager', 'GET', '/api/segments')).json().items[0];
      expect(edited.priority).toBe(5);
      expect(edited.rule.groups[0].conditions[0]).toEqual({
        field: 'company',
        operator: 'eq',
        value: 'Initech',
      });

      // Delete, after the app's own confirmation.
      await page
        .getByTestId('segment-row')
        .filter({ hasText: 'CTOs at Globex' })
        .getByRole('button', { name: `${text.delete} CTOs at Globex` })
        .click();
      await page.getByTestId('confirm-action').click();
      await page.getByTestId('segment-row').waitFor({ state: 'detached' });
      expect((await e2e.world.as('eastSeqManager', 'GET', '/api/segments')).json().items).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('a seller, who may not manage segments, is offered neither the screen nor the create button', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller', { locale });
    try {
      await page.goto(`${e2e.baseUrl}/sequences`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      expect(await page.getByTestId('segments-link').count()).toBe(0);
      await page.goto(`${e2e.baseUrl}/sequences/segments`);
      await page.getByText(text.notAllowed).waitFor();
      expect(await page.getByRole('button', { name: text.newSegment }).count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);
});
