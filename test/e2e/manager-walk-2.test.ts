import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
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

/** Session 11, a sequence manager's week (continued from manager-walk.test.ts). */
const ONE_CALL: SequenceDefinition = {
  start: 'call',
  nodes: [{ id: 'call', kind: 'phone_call', name: 'Discovery call', next: null }],
  options: {
    exitOnReply: true,
    skipNonWorkingDays: false,
    sendWindow: null,
    trackOpens: true,
    trackClicks: true,
  },
};

describe('a sequence manager moving between the designer and the other tabs', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('after a save, Connected records and back shows the saved draft, and the next save keeps both steps', async () => {
    const id = await createSequence(e2e, 'eastSeqManager', 'Back and forth');
    const { context, page } = await signInWithSession(e2e, 'eastSeqManager');
    try {
      await openDesigner(e2e, page, id);
      const call = await addNode(page, 'start', 'phone_call');
      await saveDesigner(page);

      await page.getByRole('link', { name: 'Connected records' }).click();
      await page.getByRole('button', { name: 'Pause selected' }).waitFor();
      await page.getByRole('link', { name: 'Designer' }).click();
      await page.getByTestId(`node-${call}`).waitFor();

      const task = await addNode(page, `${call}:next`, 'task');
      await saveDesigner(page);
      await page.getByTestId('designer-notice').filter({ hasText: 'Saved' }).waitFor();
      await expect(nodeIds(page)).resolves.toEqual([call, task]);
      const stored = (await e2e.world.as('eastSeqManager', 'GET', `/api/sequences/${id}`)).json();
      expect(stored.definition.nodes.map((node: { id: string }) => node.id)).toEqual([call, task]);
    } finally {
      await context.close();
    }
  });

  it('activating from the keyboard: the confirmation opens on Activate, so Enter activates (a revision opens on its note)', async () => {
    const id = await createSequence(e2e, 'eastSeqManager', 'Enter to activate', ONE_CALL);
    const { context, page } = await signInWithSession(e2e, 'eastSeqManager');
    try {
      await openDesigner(e2e, page, id);
      await page.getByTestId('activate').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => focused(page)).toBe('activate-confirm');
      await page.keyboard.press('Enter');
      await expect
        .poll(
          async () =>
            JSON.parse((await e2e.world.as('eastSeqManager', 'GET', `/api/sequences/${id}`)).body).status,
        )
        .toBe('active');

      // The same from the sequence list's Activate.
      const fromList = await createSequence(e2e, 'eastSeqManager', 'Enter from the list', ONE_CALL);
      await page.goto(`${e2e.baseUrl}/sequences`);
      await page
        .getByRole('row', { name: /Enter from the list/ })
        .getByRole('button', { name: 'Activate' })
        .click();
      await expect.poll(() => focused(page)).toBe('confirm-activate');
      await page.keyboard.press('Enter');
      await expect
        .poll(
          async () =>
            JSON.parse((await e2e.world.as('eastSeqManager', 'GET', `/api/sequences/${fromList}`)).body)
              .status,
        )
        .toBe('active');
    } finally {
      await context.close();
    }
  });
});
