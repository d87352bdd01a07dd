import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/store/ids.ts';
import { def, engineOf, insertRecords, insertSequence } from '../connections/helpers.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  SELLER,
  seedSequence,
  startSmtp,
} from '../mail/mail-fixtures.ts';
import { ORG_ID, USERS } from '../support/world.ts';
import { type E2E, signIn, startE2E } from './designer-helpers.ts';

/**
 * The A/B winner chosen by hand in Insights, in a real browser: an active sequence whose A/B-tested email went
 * out to both variants (real SMTP); its owner picks B, the page shows B as the winner chosen by them, and a
 * record connected afterwards gets B. In English and in Polish.
 */
describe.each(['en', 'pl'] as const)('A/B winner override in the browser (%s)', (locale) => {
  let e2e: E2E;
  let smtp: LoopbackSmtp;
  let sequenceId = '';
  let engine: ReturnType<typeof engineOf>;

  const connectAndSend = async (count: number) => {
    const { world } = e2e;
    const ids = await insertRecords(world, count, () => ({
      email: `p${newId()}@example.com`,
      first_name: 'Ada',
    }));
    const response = await world.as('eastAdmin', 'POST', `/api/sequences/${sequenceId}/connections`, {
      recordIds: ids,
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
    await engine.drain();
    const rows = () =>
      world.store.db
        .selectFrom('outbound_messages')
        .select(['variant', 'status'])
        .where('org_id', '=', ORG_ID)
        .where('record_id', 'in', ids)
        .execute();
    // The mailbox paces its sends: let time pass until every email has gone out over SMTP.
    const delivery = deliveryFor(world.store, world.clock);
    for (let round = 0; round < 60 && (await rows()).some((row) => row.status === 'queued'); round++) {
      await delivery.drain();
      world.clock.advance(5 * 60_000);
    }
    delivery.close();
    return rows();
  };

  beforeAll(async () => {
    e2e = await startE2E();
    const { world } = e2e;
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
    engine = engineOf(world);
    const { templateId } = await seedSequence(world.store, world.clock.now());
    ({ sequenceId } = await insertSequence(
      world,
      def({
        start: 'mail',
        nodes: [
          {
            id: 'mail',
            kind: 'automated_email',
            name: 'Intro',
            templateId,
            abTest: {
              variants: [
                { id: 'A', templateId, split: 50 },
                { id: 'B', templateId, split: 50 },
              ],
              winnerMetric: 'replies',
              end: { type: 'auto', minRecipients: 1000 },
            },
            next: null,
          },
        ],
      }),
      { ownerId: USERS.eastSalesManager.id, name: 'A/B intro' },
    ));
    const sent = await connectAndSend(12);
    expect(new Set(sent.map((row) => row.variant))).toEqual(new Set(['A', 'B']));
    expect(sent.map((row) => row.status)).toEqual(Array(12).fill('sent'));
  });
  afterAll(async () => {
    await engine.stop();
    await smtp.close();
    await e2e.close();
  });

  it('a sales manager who may see Insights but not edit the sequence sees the results without the control', async () => {
    const { world } = e2e;
    const setOwner = (ownerId: string) =>
      world.store.db
        .updateTable('sequences')
        .set({ owner_id: ownerId })
        .where('id', '=', sequenceId)
        .execute();
    await setOwner(USERS.eastSeqManager.id);
    const { page, context } = await signIn(e2e, 'eastSalesManager', { locale });
    try {
      await page.goto(`${e2e.baseUrl}/sequences/${sequenceId}/insights`);
      await page.getByTestId('ab-winner').waitFor();
      // The header shows the sequence (the same query the control's permission reads), so the page has decided.
      await page.getByText('A/B intro').first().waitFor();
      expect(await page.locator('table[aria-label] select').count()).toBe(0);
      expect(await page.locator('caption form').count()).toBe(0);
    } finally {
      await context.close();
      await setOwner(USERS.eastSalesManager.id);
    }
  });

  it('the owner picks B: the page shows B chosen by them, and a record connected afterwards gets B', async () => {
    const { page, context } = await signIn(e2e, 'eastSalesManager', { locale });
    try {
      const text =
        locale === 'pl'
          ? {
              running: 'Brak zwycięzcy',
              label: 'Zwycięski wariant',
              button: 'Ustaw jako zwycięzcę',
              toast: 'Wariant B jest teraz zwycięzcą',
              winner: 'Zwycięzca: wariant B',
              chosen: `Wybrane przez: east.salesman.`,
            }
          : {
              running: 'No winner yet',
              label: 'Winner variant',
              button: 'Make winner',
              toast: 'Variant B is now the winner',
              winner: 'Winner: variant B',
              chosen: `Chosen by east.salesman.`,
            };
      let dialogs = 0;
      page.on('dialog', async (dialog) => {
        dialogs += 1;
        await dialog.dismiss();
      });
      await page.goto(`${e2e.baseUrl}/sequences/${sequenceId}/insights`);
      await expect.poll(() => page.getByTestId('ab-winner').textContent()).toContain(text.running);
      await page.getByLabel(text.label).selectOption('B');
      await page.getByRole('button', { name: text.button }).click();
      await page.getByText(text.toast).waitFor();
      await expect.poll(() => page.getByTestId('ab-winner').textContent()).toContain(text.winner);
      expect(await page.getByTestId('ab-decided-by').textContent()).toBe(text.chosen);
      expect(dialogs).toBe(0);

      const insights = (
        await e2e.world.as('eastAdmin', 'GET', `/api/sequences/${sequenceId}/insights`)
      ).json();
      expect(insights.abTests[0].winner).toMatchObject({
        variant: 'B',
        decidedBy: USERS.eastSalesManager.id,
      });
      const later = await connectAndSend(6);
      expect(later.map((row) => row.variant)).toEqual(Array(6).fill('B'));
    } finally {
      await context.close();
    }
  });
});
