import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { PASSWORD, USERS } from '../support/world.ts';
import {
  addNode,
  createSequence,
  type E2E,
  focused,
  nodeIds,
  openDesigner,
  saveDesigner,
  startE2E,
} from './designer-helpers.ts';
import { signInWithSession } from './session-sign-in.ts';

/**
 * Session 11, a sequence manager's week with the keyboard: signing in, the dialogs and the designer never drop
 * focus to the top of the page.
 */
const THREE_STEPS: SequenceDefinition = {
  start: 'intro',
  nodes: [
    { id: 'intro', kind: 'email', name: 'Introduction', templateId: null, next: 'pause' },
    { id: 'pause', kind: 'wait', days: 2, hours: 0, next: 'call' },
    { id: 'call', kind: 'phone_call', name: 'Discovery call', next: null },
  ],
  options: {
    exitOnReply: true,
    skipNonWorkingDays: false,
    sendWindow: null,
    trackOpens: true,
    trackClicks: true,
  },
};

describe('a sequence manager with the keyboard', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('signs in by typing at once: the email field has focus when the page opens', async () => {
    const context = await e2e.browser.newContext({ locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.goto(e2e.baseUrl);
      await page.getByRole('heading', { name: 'Sign in to Stepwise' }).waitFor();
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('type')))
        .toBe('email');
      await page.keyboard.type(USERS.eastSeqManager.email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await page.getByTestId('current-user').waitFor();
    } finally {
      await context.close();
    }
  });

  it('a dialog opens on its first field, not its close button; Escape returns to the button that opened it (also the notifications panel)', async () => {
    const { context, page } = await signInWithSession(e2e, 'eastSeqManager');
    try {
      await page.goto(`${e2e.baseUrl}/sequences`);
      const opener = page.getByRole('button', { name: 'New sequence' });
      await opener.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'New sequence' });
      await dialog.waitFor();
      await expect.poll(() => focused(page)).toBe('select');
      await expect(
        page.evaluate(() => document.activeElement?.closest('label')?.textContent ?? ''),
      ).resolves.toContain('Record type');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('New sequence');

      // The notifications panel closes on Escape too, back on its bell.
      await page.getByTestId('notification-bell').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('notification-list').waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('notification-list').waitFor({ state: 'detached' });
      await expect.poll(() => focused(page)).toBe('notification-bell');
    } finally {
      await context.close();
    }
  });

  it('in the designer, closing a panel or deleting a step keeps focus on the canvas where the user was', async () => {
    const id = await createSequence(e2e, 'eastSeqManager', 'Keyboard week', THREE_STEPS);
    const { context, page } = await signInWithSession(e2e, 'eastSeqManager');
    try {
      await openDesigner(e2e, page, id);
      // From the toolbar, Tab walks the steps and the + buttons: no edge and no empty wrapper around a + is a stop,
      // and no edge is read out as React Flow's English "Edge from intro to pause".
      await page.getByTestId('activate').focus();
      const stops: string[] = [];
      for (let i = 0; i < 9; i++) {
        await page.keyboard.press('Tab');
        stops.push(await focused(page));
      }
      expect(stops).toEqual(
        expect.arrayContaining([
          'add-start',
          'add-intro:next',
          'rf__node-start:',
          'rf__node-intro',
          'rf__node-call',
        ]),
      );
      expect(stops.filter((stop) => stop.startsWith('rf__node-end:'))).toEqual([]);
      expect(stops.filter((stop) => stop.startsWith('rf__edge-'))).toEqual([]);
      await expect(page.locator('[aria-label^="Edge from"]:not([aria-hidden="true"])').count()).resolves.toBe(
        0,
      );

      // Enter on a step opens its properties on the name field; Escape closes them and returns to the step.
      await page.locator('.react-flow__node[data-id="pause"]').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => focused(page)).toBe('prop-name');
      await page.keyboard.press('Escape');
      await page.getByTestId('properties-panel').waitFor({ state: 'detached' });
      await expect.poll(() => focused(page)).toBe('rf__node-pause');

      // A + opens the add panel on its first kind; Escape closes it and returns to that +.
      await page.getByTestId('add-call:next').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('add-panel').waitFor();
      await expect.poll(() => focused(page)).toBe('add-kind-email');
      await page.keyboard.press('Escape');
      await page.getByTestId('add-panel').waitFor({ state: 'detached' });
      await expect.poll(() => focused(page)).toBe('add-call:next');

      // Delete on a focused step removes it and focus moves to the step before it, ready for the next key.
      await page.locator('.react-flow__node[data-id="pause"]').focus();
      await page.keyboard.press('Delete');
      await page.getByTestId('node-pause').waitFor({ state: 'detached' });
      await expect.poll(() => focused(page)).toBe('rf__node-intro');
      await expect(nodeIds(page)).resolves.toEqual(['intro', 'call']);
      await page.keyboard.press('Control+z');
      await page.getByTestId('node-pause').waitFor();
    } finally {
      await context.close();
    }
  });

  it('imports an exported sequence and opens it; a file that is not JSON is named as such (English and Polish)', async () => {
    const id = await createSequence(e2e, 'eastSeqManager', 'Exported week', THREE_STEPS);
    const exported = (await e2e.world.as('eastSeqManager', 'GET', `/api/sequences/${id}/export`)).json();
    for (const [locale, notAnExport] of [
      ['en', 'This file is not a Stepwise sequence export.'],
      ['pl', 'Ten plik nie jest eksportem sekwencji Stepwise.'],
    ] as const) {
      const { context, page } = await signInWithSession(e2e, 'eastSeqManager', { locale });
      try {
        await page.goto(`${e2e.baseUrl}/sequences`);
        await page.getByTestId('sequence-row').first().waitFor();
        // The hidden file input is not a second, invisible tab stop after the Import button.
        await page
          .getByRole('button', { name: locale === 'en' ? 'Import' : 'Importuj', exact: true })
          .focus();
        await page.keyboard.press('Tab');
        await expect(
          page.evaluate(() => (document.activeElement as HTMLInputElement).type),
        ).resolves.not.toBe('file');

        const file = page.getByTestId('import-sequence-file');
        await file.setInputFiles({
          name: 'leads.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from('name,email\nAnn,ann@example.com\n'),
        });
        await page.getByRole('alert').filter({ hasText: notAnExport }).waitFor();

        const name = `Imported week ${locale}`;
        await file.setInputFiles({
          name: 'week.sequence.json',
          mimeType: 'application/json',
          buffer: Buffer.from(JSON.stringify({ ...exported, name })),
        });
        await page.getByTestId('designer-start').waitFor();
        await page.locator('.breadcrumbs').getByText(name).waitFor();
        await expect(nodeIds(page)).resolves.toEqual(['intro', 'pause', 'call']);
      } finally {
        await context.close();
      }
    }
  });

  it('a sequence the user cannot see (or one deleted) shows only "Not found", no tabs with actions that fail', async () => {
    const id = await createSequence(e2e, 'eastSeller2', 'East only', THREE_STEPS);
    const { context, page } = await signInWithSession(e2e, 'eastEntSeller');
    try {
      await page.goto(`${e2e.baseUrl}/sequences/${id}/connected`);
      await page.getByRole('alert').filter({ hasText: 'Not found.' }).waitFor();
      await expect(page.getByRole('alert').count()).resolves.toBe(1);
      await expect(page.getByRole('link', { name: 'Connected records' }).count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: 'Pause selected' }).count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  });

  it('on a 390 px phone the designer gives the canvas the width and nothing scrolls sideways (English and Polish)', async () => {
    const id = await createSequence(e2e, 'eastSeqManager', 'Powitanie nowych leadów z webinaru', THREE_STEPS);
    for (const locale of ['en', 'pl'] as const) {
      const { context, page } = await signInWithSession(e2e, 'eastSeqManager', { locale });
      try {
        await page.setViewportSize({ width: 390, height: 844 });
        await openDesigner(e2e, page, id);
        await page.locator('.react-flow__node[data-id="pause"]').focus();
        await page.keyboard.press('Enter');
        await expect.poll(() => focused(page)).toBe('prop-name');
        const canvas = await page.getByTestId('designer-canvas').boundingBox();
        expect(canvas!.width, 'canvas width').toBeGreaterThan(300);
        await expect(
          page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
        ).resolves.toBeLessThanOrEqual(0);
      } finally {
        await context.close();
      }
    }
  });

  it('the tag manager offers only the places the server accepts, and rename/delete keep the keyboard in place', async () => {
    const create = async (name: string, parentId: string | null) => {
      const created = await e2e.world.as('eastSeqManager', 'POST', '/api/tags', { name, parentId });
      expect(created.statusCode, created.body).toBe(201);
      return created.json().id as string;
    };
    const region = await create('Region', null);
    const europe = await create('Europe', region);
    const poland = await create('Poland', europe);
    await create('Warsaw', poland);
    const { context, page } = await signInWithSession(e2e, 'eastSeqManager');
    try {
      await page.goto(`${e2e.baseUrl}/sequences`);
      await page.getByRole('button', { name: 'Manage tags' }).click();
      const dialog = page.getByRole('dialog', { name: 'Tags' });
      await dialog.getByRole('button', { name: 'Rename' }).nth(3).waitFor();
      const options = (label: string) =>
        dialog
          .locator(`select[aria-label="${label}"], label:has-text("${label}") select`)
          .locator('option')
          .allTextContents();
      // A fourth-level tag cannot get children; a tag cannot move under its own children.
      await expect(options('Inside')).resolves.toEqual([
        '(top level)',
        'Region',
        'Region / Europe',
        'Region / Europe / Poland',
      ]);
      await expect(options('Move “Region” under')).resolves.toEqual(['(top level)']);
      await expect(options('Move “Warsaw” under')).resolves.toEqual([
        '(top level)',
        'Region',
        'Region / Europe',
        'Region / Europe / Poland',
      ]);

      // Rename with the keyboard: the field takes focus, Escape cancels the rename only.
      const rename = dialog.getByRole('button', { name: 'Rename' }).first();
      await rename.focus();
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement).value))
        .toBe('Region');
      await page.keyboard.press('Escape');
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Rename');
      await expect(dialog.isVisible()).resolves.toBe(true);

      // Delete asks inline and puts focus on the question's Delete.
      await dialog.getByRole('button', { name: 'Delete' }).first().focus();
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
        .toBe('confirm-action');
    } finally {
      await context.close();
    }
  });

  it('a seller saving over the manager’s newer save is told so, and the manager’s steps stay (English and Polish)', async () => {
    for (const [locale, told] of [
      ['en', 'Someone else saved this sequence after you opened it'],
      ['pl', 'Ktoś inny zapisał tę sekwencję po jej otwarciu'],
    ] as const) {
      const id = await createSequence(e2e, 'eastSeller', `Shared week ${locale}`, THREE_STEPS);
      const seller = await signInWithSession(e2e, 'eastSeller', { locale });
      const manager = await signInWithSession(e2e, 'eastSeqManager');
      try {
        await openDesigner(e2e, seller.page, id);
        await openDesigner(e2e, manager.page, id);
        await addNode(manager.page, 'call:next', 'task');
        await saveDesigner(manager.page);

        await addNode(seller.page, 'call:next', 'linkedin_connect');
        await seller.page.getByTestId('save').click();
        await seller.page.getByTestId('designer-notice').filter({ hasText: told }).waitFor();
        await seller.page
          .getByTestId('dirty-state')
          .filter({ hasText: /unsaved|niezapisane/i })
          .waitFor();
        const stored = (await e2e.world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json();
        expect(stored.definition.nodes.map((node: { kind: string }) => node.kind)).toEqual([
          'email',
          'wait',
          'phone_call',
          'task',
        ]);
      } finally {
        await seller.context.close();
        await manager.context.close();
      }
    }
  });

  it('a seller copies a colleague’s sequence with the keyboard: the name field has focus, Enter copies', async () => {
    const id = await createSequence(e2e, 'eastSeller2', 'Colleague outreach', THREE_STEPS);
    const { context, page } = await signInWithSession(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/sequences`);
      const row = page.getByTestId('sequence-row').filter({ hasText: 'Colleague outreach' });
      // A colleague's sequence: copy yes, change no.
      await expect(row.getByRole('button', { name: 'Delete' }).count()).resolves.toBe(0);
      await row.getByRole('button', { name: 'Copy' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Copy sequence' });
      await dialog.waitFor();
      await expect
        .poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement).value))
        .toBe('Copy of Colleague outreach');
      await page.keyboard.press('Control+a');
      await page.keyboard.type('My outreach');
      await page.keyboard.press('Enter');
      await page.getByTestId('designer-start').waitFor();
      await page.locator('.breadcrumbs').getByText('My outreach').waitFor();
      const copyId = new URL(page.url()).pathname.split('/')[2]!;
      expect(copyId).not.toBe(id);
      const copy = (await e2e.world.as('eastSeller', 'GET', `/api/sequences/${copyId}`)).json();
      expect(copy).toMatchObject({ name: 'My outreach', ownerId: 'u-east-seller', status: 'inactive' });
    } finally {
      await context.close();
    }
  });

  it('Connect records offers only the sequence’s own record type (other types are refused per record)', async () => {
    const id = await createSequence(e2e, 'eastSeqManager', 'Leads only', THREE_STEPS);
    const activated = await e2e.world.as('eastSeqManager', 'POST', `/api/sequences/${id}/activate`, {});
    expect(activated.statusCode, activated.body).toBe(200);
    const { context, page } = await signInWithSession(e2e, 'eastSeqManager');
    try {
      await page.goto(`${e2e.baseUrl}/sequences/${id}/connected`);
      await page.getByRole('button', { name: 'Connect records' }).click();
      const dialog = page.getByRole('dialog', { name: 'Connect records to “Leads only”' });
      await dialog.waitFor();
      await expect(
        dialog.locator('label:has-text("Record type") select option').allTextContents(),
      ).resolves.toEqual(['Lead']);
    } finally {
      await context.close();
    }
  });
});
