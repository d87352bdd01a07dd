import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { addSuppression } from '../../src/store/repos/suppressions-repo.ts';
import { ORG_ID, type WorldUserKey } from '../support/world.ts';
import { addNode, createSequence, type E2E, openDesigner } from './designer-helpers.ts';
import { signInWithSession } from './session-sign-in.ts';
import { refuseNativeDialogs, startWalk, TASK_FLOW, type Walk } from './walk-support.ts';

/**
 * Issue 15, "Wrong or broken": a newcomer's walk through the seller screens in Chromium, one test per place
 * where a seller would stop (assigned steps, long lists, tag filters, permissions, revisions, confirmations).
 */
describe('a seller’s walk, fixed (issue 15), part 2', () => {
  let walk: Walk | undefined;
  let e2e: E2E;
  const createLead = (owner: WorldUserKey, name: string) => walk!.createLead(owner, name);
  const activeSequence = (owner: WorldUserKey, name: string, definition?: SequenceDefinition) =>
    walk!.activeSequence(owner, name, definition);

  beforeAll(async () => {
    walk = await startWalk('e2e-walk-worker-2');
    e2e = walk.e2e;
  }, 60_000);
  afterAll(() => walk?.close());

  /** Opens the designer, adds a task (an unsaved change) and follows the header's Sequences link. */
  async function editThenFollowSequencesLink(page: Page, sequenceId: string): Promise<void> {
    await openDesigner(e2e, page, sequenceId);
    await addNode(page, 'start', 'task');
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('link', { name: 'Sequences' })
      .click();
  }

  it('8 and 10. a suppressed address is refused with the record named, grouped by reason; the title stays', async () => {
    const kai = await createLead('eastSeller', 'Kai Bounced');
    await createLead('eastSeller', 'Lea Fine');
    const kaiEmail = (await e2e.world.as('eastSeller', 'GET', `/api/records/${kai}`)).json().email;
    await addSuppression(e2e.world.store.db, {
      orgId: ORG_ID,
      address: kaiEmail.toUpperCase(),
      reason: 'hard_bounce',
      detail: '550 5.1.1 user unknown',
      outboundMessageId: null,
      createdBy: null,
      now: e2e.world.clock.now(),
    });
    const template = await e2e.world.store.db
      .selectFrom('email_templates')
      .select('id')
      .where('org_id', '=', ORG_ID)
      .executeTakeFirstOrThrow();
    await activeSequence('eastSeller', 'Mail first', {
      ...TASK_FLOW,
      start: 'mail',
      nodes: [{ id: 'mail', kind: 'email', name: 'Introduction', templateId: template.id, next: null }],
    });

    const { context, page } = await signInWithSession(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/records/lead`);
      await page.getByLabel('Select Kai Bounced').check();
      await page.getByLabel('Select Lea Fine').check();
      await page.getByTestId('connect-sequence').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Mail first').check();
      await dialog.getByTestId('confirm-connect').click();
      await expect(dialog.getByTestId('connect-result').textContent()).resolves.toContain(
        '1 record connected.',
      );
      const refusals = dialog.getByTestId('connect-refusals');
      expect(await refusals.textContent()).toBe(
        'the address bounced, complained or unsubscribed (suppression list): Kai Bounced',
      );
      expect(await dialog.getByRole('heading').textContent()).toBe('Connect 2 records to a sequence');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('3 and 9. stage conditions compare keys from the organisation list; people read names', async () => {
    const admin = await signInWithSession(e2e, 'eastAdmin');
    try {
      await admin.page.goto(`${e2e.baseUrl}/settings/stages`);
      await admin.page.getByLabel('Name of stage qualify').fill('Qualification');
      await admin.page.getByRole('button', { name: 'Save' }).click();
      await admin.page.getByTestId('toast').filter({ hasText: 'Saved.' }).waitFor();
    } finally {
      await admin.context.close();
    }
    const created = await e2e.world.as('eastSeller', 'POST', '/api/records', {
      type: 'lead',
      name: 'Mia Stage',
      email: 'mia@example.com',
      stage: 'Qualify',
    });
    expect(created.statusCode).toBe(201);
    const recordId = created.json().id;
    const sequenceId = await activeSequence('eastSeller', 'Stage check', {
      ...TASK_FLOW,
      start: 'stage',
      nodes: [
        { id: 'stage', kind: 'condition_stage', stages: ['qualify'], yes: 'yes', no: 'no' },
        { id: 'yes', kind: 'task', name: 'Qualified call', next: null },
        { id: 'no', kind: 'task', name: 'Not qualified', next: null },
      ],
    });
    const connected = await e2e.world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, {
      sequenceId,
    });
    expect(connected.statusCode).toBe(201);

    const { context, page } = await signInWithSession(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/record/${recordId}`);
      await page.getByTestId('current-step').getByText('Qualified call').waitFor({ timeout: 20_000 });
      const details = page.getByRole('region', { name: 'Details' });
      await expect(details.textContent()).resolves.toContain('Qualification');
      await page.goto(`${e2e.baseUrl}/sequences/${sequenceId}`);
      await page.getByTestId('node-stage').filter({ hasText: 'Qualification' }).waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('5. leaving the designer with unsaved changes inside the app asks, and can save on the way out', async () => {
    const id = await createSequence(e2e, 'eastSeller', 'Unsaved work');
    const { context, page } = await signInWithSession(e2e, 'eastSeller');
    refuseNativeDialogs(page);
    try {
      await editThenFollowSequencesLink(page, id);
      const dialog = page.getByRole('dialog', { name: 'Unsaved changes' });
      await dialog.waitFor();
      expect(new URL(page.url()).pathname).toBe(`/sequences/${id}`);
      await dialog.getByTestId('leave-save').click();
      await page.waitForURL((url) => url.pathname === '/sequences');
      await page.getByTestId('sequence-row').first().waitFor();
      const saved = (await e2e.world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json();
      expect(saved.definition.nodes).toHaveLength(1);

      await openDesigner(e2e, page, id);
      await addNode(page, `${saved.definition.nodes[0].id}:next`, 'phone_call');
      await page.getByRole('link', { name: 'Sequences' }).first().click();
      await page.getByRole('dialog', { name: 'Unsaved changes' }).getByTestId('leave-discard').click();
      await page.waitForURL((url) => url.pathname === '/sequences');
      const after = (await e2e.world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json();
      expect(after.definition.nodes).toHaveLength(1);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('5. once the seller chose to leave, the browser does not ask again while the next page is still loading', async () => {
    const id = await createSequence(e2e, 'eastSeller', 'Left without saving');
    const { context, page } = await signInWithSession(e2e, 'eastSeller');
    refuseNativeDialogs(page);
    // The Sequences page's code arrives only when the test lets it: until then the designer stays on screen.
    let deliver = () => {};
    const held = new Promise<void>((resolve) => {
      deliver = resolve;
    });
    await page.route(/\/assets\/SequencesPage-[^/]*\.js$/, async (route) => {
      await held;
      await route.continue();
    });
    try {
      await editThenFollowSequencesLink(page, id);
      await page.getByRole('dialog', { name: 'Unsaved changes' }).getByTestId('leave-discard').click();
      await page.waitForURL((url) => url.pathname === '/sequences');
      // Reloading (or closing the tab) now must not bring up the browser's "leave site?" question again.
      await page.goto(`${e2e.baseUrl}/sequences`);
      deliver();
      await page.getByTestId('sequence-row').first().waitFor();
      const after = (await e2e.world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json();
      expect(after.definition.nodes).toHaveLength(0);
    } finally {
      deliver();
      await context.close();
    }
  }, 60_000);

  it('4. the read-only designer draws both branches where editing does, labels clear of nodes and + buttons', async () => {
    const id = await activeSequence('eastSeller', 'Branches read-only', {
      ...TASK_FLOW,
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
    });
    const { context, page } = await signInWithSession(e2e, 'eastSeller');
    const boxes = async (testIds: string[]) => {
      const out = new Map<string, { x: number; y: number; width: number; height: number }>();
      for (const testId of testIds) out.set(testId, (await page.getByTestId(testId).boundingBox())!);
      return out;
    };
    const overlap = (
      a: { x: number; y: number; width: number; height: number },
      b: { x: number; y: number; width: number; height: number },
    ) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    const NODES = ['node-call', 'node-reached', 'node-meet'];
    try {
      await openDesigner(e2e, page, id);
      await page.getByTestId('read-only-banner').waitFor();
      // Both branches are drawn: Yes to the meeting, No to the end of the path.
      await page.getByTestId('branch-reached:yes').waitFor();
      await page.getByTestId('branch-reached:no').waitFor();
      await page.getByTestId('end-reached:no').waitFor();
      const readOnly = await boxes([...NODES, 'branch-reached:yes', 'branch-reached:no']);
      for (const label of ['branch-reached:yes', 'branch-reached:no']) {
        for (const node of NODES)
          expect(overlap(readOnly.get(label)!, readOnly.get(node)!), `${label} on ${node}`).toBe(false);
      }
      expect(overlap(readOnly.get('branch-reached:yes')!, readOnly.get('branch-reached:no')!)).toBe(false);

      await page.getByTestId('edit-sequence').click();
      await page.getByTestId('add-reached:yes').waitFor();
      const editing = await boxes([...NODES, 'add-reached:yes', 'add-reached:no', 'branch-reached:yes']);
      for (const node of NODES) {
        expect(editing.get(node)!.x - editing.get('node-call')!.x).toBeCloseTo(
          readOnly.get(node)!.x - readOnly.get('node-call')!.x,
          0,
        );
        expect(editing.get(node)!.y - editing.get('node-call')!.y).toBeCloseTo(
          readOnly.get(node)!.y - readOnly.get('node-call')!.y,
          0,
        );
      }
      expect(overlap(editing.get('branch-reached:yes')!, editing.get('add-reached:yes')!)).toBe(false);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('14. a step that fell due a moment ago is due now, not red as overdue', async () => {
    const recordId = await createLead('eastSeller2', 'Nora Now');
    const sequenceId = await activeSequence('eastSeller2', 'Right away');
    const connected = await e2e.world.as('eastSeller2', 'POST', `/api/records/${recordId}/connection`, {
      sequenceId,
    });
    expect(connected.statusCode).toBe(201);
    await expect
      .poll(async () => JSON.stringify((await e2e.world.as('eastSeller2', 'GET', '/api/worklist')).json()))
      .toContain('Nora Now');
    e2e.world.clock.advance(5 * 60_000);
    const first = await signInWithSession(e2e, 'eastSeller2');
    try {
      const item = first.page.getByTestId('work-item').filter({ hasText: 'Nora Now' });
      await item.waitFor();
      expect(await item.getAttribute('class')).not.toContain('overdue');
    } finally {
      await first.context.close();
    }
    e2e.world.clock.advance(30 * 60_000);
    const later = await signInWithSession(e2e, 'eastSeller2');
    try {
      const item = later.page.getByTestId('work-item').filter({ hasText: 'Nora Now' });
      await item.waitFor();
      expect(await item.getAttribute('class')).toContain('overdue');
    } finally {
      await later.context.close();
    }
  }, 60_000);

  it('13. deleting a sequence leaves a timeline entry on each record it disconnected', async () => {
    const recordId = await createLead('eastSeller', 'Olga Deleted');
    const sequenceId = await activeSequence('eastSeller', 'Doomed sequence');
    const connected = await e2e.world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, {
      sequenceId,
    });
    expect(connected.statusCode).toBe(201);
    const { context, page } = await signInWithSession(e2e, 'eastSeller');
    refuseNativeDialogs(page);
    try {
      await page.goto(`${e2e.baseUrl}/sequences?search=Doomed`);
      const row = page.getByTestId('sequence-row').filter({ hasText: 'Doomed sequence' });
      await row.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Deactivate and delete' }).click();
      await row.waitFor({ state: 'detached' });
      await page.goto(`${e2e.baseUrl}/record/${recordId}`);
      await page
        .getByTestId('timeline')
        .getByText('Disconnected from the sequence: the sequence was deleted')
        .waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);
});
