import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSequence, type E2E, screenshot, startE2E } from './designer-helpers.ts';
import { signInWithSession } from './session-sign-in.ts';

/**
 * SPEC.md §4, sharing: a sequence manager shares an East sequence with a West seller from the sequence's page; the
 * seller then finds it in their sequence list and opens it, and it leaves their list when the share is removed.
 */
describe('sharing a sequence in the browser', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('a manager shares a sequence with a seller of another unit, who then sees it in their list', async () => {
    const shared = await createSequence(e2e, 'eastSeller', 'East enterprise outreach');
    await createSequence(e2e, 'westSeller', 'West own follow-up');
    const manager = await signInWithSession(e2e, 'eastSeqManager');
    const seller = await signInWithSession(e2e, 'westSeller');
    try {
      const { page } = manager;
      // Before: the West seller's list has their own sequence only.
      await seller.page.goto(`${e2e.baseUrl}/sequences`);
      const sellerRows = seller.page.getByTestId('sequence-row');
      await sellerRows.filter({ hasText: 'West own follow-up' }).waitFor();
      expect(await sellerRows.filter({ hasText: 'East enterprise outreach' }).count()).toBe(0);

      await page.goto(`${e2e.baseUrl}/sequences/${shared}`);
      await page.getByRole('button', { name: 'Share', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Share “East enterprise outreach”' });
      await dialog.waitFor();
      await dialog.getByText('Not shared with anyone yet.').waitFor();
      const person = dialog.getByTestId('share-principal');
      // The picker fills once the candidates are loaded: wait for the West seller to be offered.
      await person.locator('option', { hasText: 'west.seller (West)' }).waitFor({ state: 'attached' });
      await person.selectOption({ label: 'west.seller (West)' });
      await dialog.getByRole('button', { name: 'Share', exact: true }).click();
      const current = dialog.getByRole('list', { name: 'Shared with' });
      await current
        .getByRole('listitem')
        .filter({ hasText: 'west.seller' })
        .filter({ hasText: 'User · West' })
        .waitFor();
      await screenshot(page, 'share-dialog');

      // The West seller now finds it in their list and opens it.
      await seller.page.reload();
      await sellerRows.filter({ hasText: 'East enterprise outreach' }).waitFor();
      await seller.page.getByRole('link', { name: 'East enterprise outreach' }).click();
      await seller.page.getByTestId('designer-start').waitFor();
      // Shared means full rights: the West seller may share it on too.
      await seller.page.getByRole('button', { name: 'Share', exact: true }).waitFor();

      // The manager stops sharing it: it leaves the seller's list.
      await dialog.getByRole('button', { name: 'Stop sharing with west.seller' }).click();
      await dialog.getByText('Not shared with anyone yet.').waitFor();
      await seller.page.goto(`${e2e.baseUrl}/sequences`);
      await sellerRows.filter({ hasText: 'West own follow-up' }).waitFor();
      expect(await sellerRows.filter({ hasText: 'East enterprise outreach' }).count()).toBe(0);
    } finally {
      await manager.context.close();
      await seller.context.close();
    }
  });
});
