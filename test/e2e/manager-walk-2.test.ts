import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addNode,
  createSequence,
  type E2E,
  nodeIds,
  openDesigner,
  saveDesigner,
  startE2E,
} from './designer-helpers.ts';
import { signInWithSession } from './session-sign-in.ts';

/** Session 11, a sequence manager's week (continued from manager-walk.test.ts). */
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
});
