import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { ORG_ID, USERS } from '../support/world.ts';
import {
  addNode,
  createSequence,
  type E2E,
  openDesigner,
  screenshot,
  signIn,
  startE2E,
} from './designer-helpers.ts';

/** A sequence with a condition and both branches, for the read-only walk and the screenshots. */
const BRANCHED: SequenceDefinition = {
  start: 'intro',
  nodes: [
    { id: 'intro', kind: 'email', name: 'Introduction', templateId: null, next: 'pause' },
    { id: 'pause', kind: 'wait', days: 2, hours: 0, next: 'opened' },
    {
      id: 'opened',
      kind: 'condition_email',
      inspects: 'intro',
      results: ['opened', 'replied'],
      combine: 'any',
      timeLimit: { days: 3, hours: 0 },
      moveWhenSeen: true,
      yes: 'call',
      no: 'connect',
    },
    { id: 'call', kind: 'phone_call', name: 'Discovery call', next: null },
    { id: 'connect', kind: 'linkedin_connect', next: 'follow-up' },
    { id: 'follow-up', kind: 'task', name: 'Follow up', next: null },
  ],
  options: {
    exitOnReply: true,
    skipNonWorkingDays: true,
    sendWindow: null,
    trackOpens: true,
    trackClicks: true,
  },
};

describe('sequence designer in a real browser', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('builds a sequence, shows the activation error on the wait node, and activates once fixed', async () => {
    const id = await createSequence(e2e, 'eastSeller', 'Inbound leads');
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await openDesigner(e2e, page, id);
      await expect(page.getByTestId('designer-start').textContent()).resolves.toContain(
        'Sequence starts here',
      );

      const email = await addNode(page, 'start', 'email');
      await page.getByTestId('prop-name').fill('Introduction');
      // The template picker lists the built-in templates in the user's language.
      const template = page.getByTestId('template');
      await template.locator('option', { hasText: '(EN)' }).first().waitFor({ state: 'attached' });
      await template.selectOption({ index: 1 });
      const templateId = await template.inputValue();
      expect(templateId).not.toBe('');
      const wait = await addNode(page, `${email}:next`, 'wait');
      await expect(page.getByTestId('dirty-state').textContent()).resolves.toBe('Unsaved changes');

      // Activation saves, then the server refuses: the problem is shown on the wait node.
      await page.getByTestId('activate').click();
      await page.getByTestId('activate-confirm').click();
      await page.getByTestId('designer-notice').getByText('cannot be activated').waitFor();
      const problem = page.getByTestId(`node-problem-${wait}`);
      await expect(problem.textContent()).resolves.toContain('A wait cannot end a sequence');
      await expect(page.getByTestId('problems-list').textContent()).resolves.toContain('Set wait time');
      const saved = await e2e.world.as('eastSeller', 'GET', `/api/sequences/${id}`);
      expect(saved.json()).toMatchObject({ status: 'inactive', definition: { start: email } });

      // Undo and redo with the keyboard, then fix the problem by adding a call after the wait.
      await page.getByTestId('designer-canvas').click({ position: { x: 20, y: 20 } });
      await page.keyboard.press('Control+z');
      await page.getByTestId(`node-${wait}`).waitFor({ state: 'detached' });
      await page.keyboard.press('Control+Shift+z');
      await page.getByTestId(`node-${wait}`).waitFor();
      await addNode(page, `${wait}:next`, 'phone_call');
      await problem.waitFor({ state: 'detached' });

      await page.getByTestId('activate').click();
      await page.getByTestId('activate-confirm').click();
      await page.getByTestId('read-only-banner').waitFor();
      await expect(page.getByTestId('designer-status').textContent()).resolves.toBe('Active');
      const active = await e2e.world.as('eastSeller', 'GET', `/api/sequences/${id}`);
      expect(active.json()).toMatchObject({ status: 'active', activeVersion: { version: 1 } });
      expect(active.json().definition.nodes).toHaveLength(3);
      expect(active.json().definition.nodes[0]).toMatchObject({
        kind: 'email',
        name: 'Introduction',
        templateId,
      });
    } finally {
      await context.close();
    }
  });

  it('keeps an active sequence read-only, edits a revision with a change note, and shows older versions', async () => {
    const id = await createSequence(e2e, 'eastSeller', 'Call first', {
      start: 'call',
      nodes: [
        { id: 'call', kind: 'phone_call', name: 'First call', next: 'reached' },
        {
          id: 'reached',
          kind: 'condition_call',
          inspects: 'call',
          outcomes: ['connected'],
          yes: 'meet',
          no: null,
        },
        { id: 'meet', kind: 'task', name: 'Book a meeting', next: null },
      ],
      options: BRANCHED.options,
    });
    expect((await e2e.world.as('eastSeller', 'POST', `/api/sequences/${id}/activate`, {})).statusCode).toBe(
      200,
    );
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await openDesigner(e2e, page, id);
      await page.getByTestId('read-only-banner').waitFor();
      expect(await page.locator('[data-testid^="add-"]').count()).toBe(0);

      // "Edit" opens a revision; deleting the inspected call is refused with the reason.
      await page.getByTestId('edit-sequence').click();
      await page.getByTestId('designer-status').getByText('Revision').waitFor();
      await page.locator('.react-flow__node[data-id="call"]').focus();
      await page.keyboard.press('Delete');
      await expect(page.getByTestId('designer-notice').textContent()).resolves.toContain(
        'First call cannot be deleted',
      );
      await addNode(page, 'reached:no', 'linkedin_connect');

      // Re-activating a revision asks for a change note.
      await page.getByTestId('activate').click();
      await page.getByTestId('change-note').fill('Connect on LinkedIn when the call fails');
      await page.getByTestId('activate-confirm').click();
      await page.getByTestId('read-only-banner').waitFor();

      await page.getByRole('button', { name: 'Version history' }).click();
      const history = page.getByTestId('version-history');
      await history.getByText('Connect on LinkedIn when the call fails').waitFor();
      await history.getByRole('button', { name: 'Version 1', exact: true }).click();
      await page.getByText('You are looking at version 1').waitFor();
      await page.locator('.react-flow__node[data-id="meet"]').waitFor();
      expect(await page.locator('.react-flow__node[data-id^="linkedin"]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('opens properties from the keyboard and shows Yes/No branches, in English and Polish', async () => {
    const id = await createSequence(e2e, 'eastSeller2', 'Webinar follow-up', BRANCHED);
    for (const language of ['en', 'pl'] as const) {
      const { context, page } = await signIn(e2e, 'eastSeller2', { locale: language });
      try {
        await openDesigner(e2e, page, id);
        const start = await page.getByTestId('designer-start').textContent();
        expect(start).toContain(language === 'en' ? 'Sequence starts here' : 'Sekwencja zaczyna się tutaj');
        await expect(page.getByTestId('branch-opened:yes').textContent()).resolves.toBe(
          language === 'en' ? 'Yes' : 'Tak',
        );
        await expect(page.getByTestId('branch-opened:no').textContent()).resolves.toBe(
          language === 'en' ? 'No' : 'Nie',
        );
        // Keyboard: focus the condition node and press Enter to open its properties.
        await page.locator('.react-flow__node[data-id="opened"]').focus();
        await page.keyboard.press('Enter');
        await page.getByTestId('properties-panel').waitFor();
        // The panel moves focus to the name field once it has rendered: wait for it (fails if it never happens).
        await page.waitForFunction(
          () => document.activeElement?.getAttribute('data-testid') === 'prop-name',
          undefined,
          { timeout: 5000 },
        );
        const heading = await page.locator('#designer-props-title').textContent();
        expect(heading).toBe(language === 'en' ? 'Email condition' : 'Warunek wiadomości e-mail');
        await screenshot(page, `designer-${language}`);
      } finally {
        await context.close();
      }
    }
  });

  it('explains the 250 active sequences limit in the activation dialog', async () => {
    const id = await createSequence(e2e, 'eastSeller', 'One too many', BRANCHED);
    const now = e2e.world.clock.now();
    const filler = Array.from({ length: 250 }, (_, i) => ({
      org_id: ORG_ID,
      id: `limit-${i}`,
      name: `Live ${i}`,
      description: '',
      record_type: 'lead' as const,
      owner_id: USERS.eastAdmin.id,
      business_unit_id: USERS.eastAdmin.businessUnitId,
      status: 'active' as const,
      draft_json: JSON.stringify(BRANCHED),
      active_version_id: null,
      is_template: 0 as const,
      created_at: now,
      updated_at: now,
    }));
    await e2e.world.store.db.insertInto('sequences').values(filler).execute();
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await openDesigner(e2e, page, id);
      await page.getByTestId('activate').click();
      await page.getByTestId('activate-confirm').click();
      await expect(page.getByTestId('activate-error').textContent()).resolves.toContain(
        'already has 250 active sequences',
      );
      await expect(page.getByTestId('designer-status').textContent()).resolves.toBe('Inactive');
    } finally {
      await context.close();
      await e2e.world.store.db.deleteFrom('sequences').where('id', 'like', 'limit-%').execute();
    }
  });
});
