import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { snoozePresets } from '../../src/domain/worklist/snooze-presets.ts';
import { USERS } from '../support/world.ts';
import { signInWithSession } from './session-sign-in.ts';
import { refuseNativeDialogs, startWalk, TASK_FLOW, type Walk } from './walk-support.ts';

/**
 * Issue 15, third part of the seller's walk in Chromium: what a seller reads (labels, Polish) and what they
 * can do without leaving the work list.
 */
const UNNAMED_FLOW: SequenceDefinition = {
  ...TASK_FLOW,
  start: 'call',
  nodes: [
    { id: 'call', kind: 'phone_call', next: 'sms' },
    { id: 'sms', kind: 'text_message', next: 'offer' },
    { id: 'offer', kind: 'task', name: 'Send the offer', next: null },
  ],
};

describe('a seller’s walk, fixed (issue 15), part 3', () => {
  let walk: Walk;
  beforeAll(async () => {
    walk = await startWalk('e2e-walk-worker-3');
  }, 60_000);
  afterAll(() => walk?.close());

  it('9. unnamed steps read as their translated kind, never as codes or English defaults (English and Polish)', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Unnamed steps', UNNAMED_FLOW);
    const recordId = await walk.createLead('eastSeller', 'Nora Label');
    await walk.connect('eastSeller', recordId, sequenceId);
    await walk.firstStep('eastSeller', recordId);
    const codes = /phone_call|text_message|Make a phone call|Send a text message/;

    for (const [locale, call, sms] of [
      ['en', 'Phone call', 'Text message'],
      ['pl', 'Rozmowa telefoniczna', 'Wiadomość SMS'],
    ] as const) {
      const { context, page } = await signInWithSession(walk.e2e, 'eastSeller', { locale });
      try {
        const item = page.getByTestId('work-item').filter({ hasText: 'Nora Label' });
        await item.waitFor();
        await expect(item.textContent()).resolves.toContain(call);
        await expect(item.textContent()).resolves.not.toMatch(codes);
        await item.getByRole('link', { name: 'Nora Label' }).click();
        const current = page.getByTestId('current-step');
        await current.getByText(call).waitFor();
        const upcoming = page.getByTestId('upcoming-steps');
        await upcoming.getByText(sms).waitFor();
        await expect(page.getByTestId('up-next').textContent()).resolves.not.toMatch(codes);
        await expect(upcoming.textContent()).resolves.toContain('Send the offer');
        await page.goto(`${walk.e2e.baseUrl}/sequences/${sequenceId}/connected`);
        const row = page.getByRole('row').filter({ hasText: 'Nora Label' });
        await row.getByText(call).waitFor();
        await expect(row.textContent()).resolves.not.toMatch(codes);
      } finally {
        await context.close();
      }
    }
  }, 90_000);

  it('15. no native confirm(), prompt() or alert() anywhere in the web app', () => {
    const offenders: string[] = [];
    const walkDir = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walkDir(path);
        else if (/\.tsx?$/.test(entry.name)) {
          readFileSync(path, 'utf8')
            .split('\n')
            .forEach((line, index) => {
              const code = line.trim();
              if (code.startsWith('*') || code.startsWith('//') || code.startsWith('/*')) return;
              if (/(^|[^.\w])(window\.)?(confirm|prompt|alert)\s*\(/.test(code))
                offenders.push(`${path}:${index + 1}`);
            });
        }
      }
    };
    walkDir(resolve(import.meta.dirname, '../../web/src'));
    expect(offenders).toEqual([]);
  });

  it('15. complete, skip and disconnect confirm with the same toast; renaming a unit uses the app’s dialog (English and Polish)', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Toasts');
    const names = ['Tom Toast', 'Tia Toast', 'Tod Toast'];
    const ids: string[] = [];
    for (const name of names) {
      const id = await walk.createLead('eastSeller', name);
      await walk.connect('eastSeller', id, sequenceId);
      await walk.firstStep('eastSeller', id);
      ids.push(id);
    }
    const toast = (page: Page, text: string) => page.getByTestId('toast').filter({ hasText: text }).waitFor();

    const en = await signInWithSession(walk.e2e, 'eastSeller');
    try {
      refuseNativeDialogs(en.page);
      const tom = en.page.getByTestId('work-item').filter({ hasText: 'Tom Toast' });
      await tom.getByRole('button', { name: 'Actions' }).click();
      await tom.getByRole('button', { name: 'Mark complete' }).click();
      await tom.getByTestId('confirm-complete').click();
      await toast(en.page, 'Step completed.');
      const tia = en.page.getByTestId('work-item').filter({ hasText: 'Tia Toast' });
      await tia.getByRole('button', { name: 'Actions' }).click();
      await tia.getByRole('button', { name: 'Skip' }).click();
      await toast(en.page, 'Step skipped.');
    } finally {
      await en.context.close();
    }

    const pl = await signInWithSession(walk.e2e, 'eastSeller', { locale: 'pl' });
    try {
      refuseNativeDialogs(pl.page);
      await pl.page.goto(`${walk.e2e.baseUrl}/records/lead`);
      const row = pl.page.getByRole('row').filter({ hasText: 'Tod Toast' });
      await row.getByRole('checkbox').check();
      await pl.page.getByRole('button', { name: 'Odłącz sekwencję' }).click();
      await pl.page.getByRole('dialog').getByRole('button', { name: 'Odłącz' }).click();
      await toast(pl.page, 'Odłączono 1 rekord.');
    } finally {
      await pl.context.close();
    }

    const admin = await signInWithSession(walk.e2e, 'eastAdmin', { locale: 'pl' });
    try {
      refuseNativeDialogs(admin.page);
      await admin.page.goto(`${walk.e2e.baseUrl}/settings/business-units`);
      const west = admin.page.getByRole('listitem').filter({ hasText: /^West/ });
      await west.getByRole('button', { name: 'Zmień nazwę' }).first().click();
      const dialog = admin.page.getByRole('dialog');
      await dialog.getByLabel('Nowa nazwa').fill('West Coast');
      await dialog.getByRole('button', { name: 'Zmień nazwę' }).click();
      await toast(admin.page, 'Zmieniono nazwę jednostki.');
      await admin.page.getByText('West Coast').first().waitFor();
    } finally {
      await admin.context.close();
    }
  }, 90_000);

  it('17. snooze presets: one click on "Tomorrow morning" snoozes to 09:00 on the seller’s own clock', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Snoozing', {
      ...TASK_FLOW,
      nodes: [{ id: 'task', kind: 'phone_call', name: 'Call back', next: null }],
      start: 'task',
    });
    const recordId = await walk.createLead('eastSeller', 'Sam Snooze');
    await walk.connect('eastSeller', recordId, sequenceId);
    const stepId = await walk.firstStep('eastSeller', recordId);
    // The seller works from Warsaw; the browser's own zone (UTC here) must not matter.
    await walk.e2e.world.store.db
      .updateTable('users')
      .set({ time_zone: 'Europe/Warsaw' })
      .where('id', '=', USERS.eastSeller.id)
      .execute();
    const now = walk.e2e.world.clock.now();
    const expected = snoozePresets(now, 'Europe/Warsaw').find((p) => p.preset === 'tomorrow_morning')!.until;
    expect(new Date(expected).toLocaleTimeString('en-GB', { timeZone: 'Europe/Warsaw' })).toBe('09:00:00');

    for (const locale of ['pl', 'en'] as const) {
      const { context, page } = await signInWithSession(walk.e2e, 'eastSeller', { locale });
      try {
        await page.goto(`${walk.e2e.baseUrl}/record/${recordId}`);
        const current = page.getByTestId('current-step');
        await current.getByRole('button', { name: locale === 'pl' ? 'Odłóż' : 'Snooze' }).click();
        const presets = page.getByTestId('snooze-presets');
        await presets.getByText(locale === 'pl' ? 'Jutro rano' : 'Tomorrow morning').waitFor();
        await presets.getByText(locale === 'pl' ? 'W przyszłym tygodniu' : 'Next week').waitFor();
        if (locale === 'en') {
          await page.getByTestId('snooze-tomorrow_morning').click();
          await page.getByTestId('toast').filter({ hasText: 'Snoozed until' }).waitFor();
        }
      } finally {
        await context.close();
      }
    }
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
  }, 90_000);

  it('20. a Polish sequence from a built-in template reads Polish step names, and "w ciągu 1 dnia" (not "1 dzień")', async () => {
    const create = async (language: 'en' | 'pl', name: string) => {
      const created = await walk.e2e.world.as('eastSeller', 'POST', '/api/sequences', {
        name,
        fromTemplate: 'builtin:no-show-follow-up',
        language,
      });
      expect(created.statusCode, created.body).toBe(201);
      return created.json().id as string;
    };
    const polish = await create('pl', 'Nieobecni');
    const english = await create('en', 'No-shows');

    const pl = await signInWithSession(walk.e2e, 'eastSeller', { locale: 'pl' });
    try {
      await pl.page.goto(`${walk.e2e.baseUrl}/sequences/${polish}`);
      const replied = pl.page.getByTestId('node-n2');
      await replied.getByText('Odpowiedział?').waitFor();
      await expect(replied.textContent()).resolves.toContain('w ciągu 1 dnia');
      await expect(pl.page.getByTestId('node-n4').textContent()).resolves.toContain(
        'Zadzwoń, aby ustalić nowy termin',
      );
      await expect(pl.page.locator('[data-testid^="node-"]').allTextContents()).resolves.not.toContain(
        expect.stringMatching(/Replied\?|1 dzień/),
      );
    } finally {
      await pl.context.close();
    }
    const en = await signInWithSession(walk.e2e, 'eastSeller');
    try {
      await en.page.goto(`${walk.e2e.baseUrl}/sequences/${english}`);
      const replied = en.page.getByTestId('node-n2');
      await replied.getByText('Replied?').waitFor();
      await expect(replied.textContent()).resolves.toContain('within 1 day');
    } finally {
      await en.context.close();
    }
  }, 60_000);
});
