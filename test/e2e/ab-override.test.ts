import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { def, insertSequence } from '../connections/helpers.ts';
import { seedSequence } from '../mail/mail-fixtures.ts';
import { ORG_ID } from '../support/world.ts';
import { type E2E, signIn, startE2E } from './designer-helpers.ts';

/**
 * Insights → A/B test in a real browser: the owner of a sequence picks the winner by hand; the caption says so
 * and the choice is stored. The UI must be built first (`npm run build:web`).
 */
describe('A/B winner override in the browser', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it('the sequence owner makes variant B the winner from Insights', async () => {
    const { templateId } = await seedSequence(e2e.world.store, e2e.world.clock.now());
    const { sequenceId, versionId } = await insertSequence(
      e2e.world,
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
      { name: 'Spring outreach' },
    );
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/sequences/${sequenceId}/insights`);
      const form = page.getByRole('form', { name: 'Choose the winner by hand' });
      await form.getByLabel('Variant').selectOption('B');
      await form.getByRole('button', { name: 'Make winner' }).click();
      await page
        .getByTestId('ab-winner')
        .getByText(/Winner: variant B.*Chosen by hand\./)
        .waitFor();
      const stored = await e2e.world.store.db
        .selectFrom('ab_winners')
        .select(['variant', 'decided_by'])
        .where('org_id', '=', ORG_ID)
        .where('version_id', '=', versionId)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ variant: 'B', decided_by: 'u-east-seller' });
    } finally {
      await context.close();
    }
  }, 60_000);
});
