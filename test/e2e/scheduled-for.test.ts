import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueEmail, seedSequence } from '../mail/mail-fixtures.ts';
import { ORG_ID } from '../support/world.ts';
import { type E2E, signIn, startE2E } from './designer-helpers.ts';

/**
 * Issue 13 in a real browser: a lead without a zone whose phone number is in New York has an automated email
 * scheduled for Tuesday 09:00 New York time. Insights and the outbox show it in the recipient's time and in the
 * viewer's (Warsaw); the record page shows the zone as inferred from the phone number, and a seller corrects it.
 */
describe('"scheduled for" in both zones, and the inferred zone on the record page', () => {
  let e2e: E2E;
  let sequenceId: string;
  let recordId: string;
  beforeAll(async () => {
    e2e = await startE2E();
    const now = Date.UTC(2026, 11, 4, 12);
    e2e.world.clock.set(now);
    const scenario = await seedSequence(e2e.world.store, now, { subject: 'Hello {{ record.first_name }}' });
    sequenceId = scenario.sequenceId;
    const queued = await queueEmail(e2e.world.store, scenario, now, {
      email: 'ada@customer.test',
      notBefore: Date.UTC(2026, 11, 8, 14), // Tue 09:00 in New York, 15:00 in Warsaw
    });
    recordId = queued.recordId;
    await e2e.world.store.db
      .updateTable('records')
      .set({ time_zone: null, phone_business: '+1 212 555 0100' })
      .where('org_id', '=', ORG_ID)
      .where('id', '=', recordId)
      .execute();
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it('insights and the outbox show the recipient’s time and the viewer’s', async () => {
    const { context, page } = await signIn(e2e, 'eastAdmin');
    try {
      await page.goto(`${e2e.baseUrl}/sequences/${sequenceId}/insights`);
      const row = page.getByTestId('scheduled-email').filter({ hasText: 'ada@customer.test' });
      await row.waitFor();
      const insightsText = await row.getByTestId('scheduled-for').textContent();
      expect(insightsText).toContain("8 Dec 2026, 09:00 recipient's time (America/New_York)");
      expect(insightsText).toContain('8 Dec 2026, 15:00 your time (Europe/Warsaw)');

      await page.goto(`${e2e.baseUrl}/settings/outbox`);
      const outboxRow = page.getByRole('row').filter({ hasText: 'ada@customer.test' });
      await outboxRow.getByTestId('scheduled-for').waitFor();
      const outboxText = await outboxRow.getByTestId('scheduled-for').textContent();
      expect(outboxText).toContain("8 Dec 2026, 09:00 recipient's time (America/New_York)");
      expect(outboxText).toContain('8 Dec 2026, 15:00 your time (Europe/Warsaw)');
    } finally {
      await context.close();
    }
  });

  it('the record page marks the zone inferred from the phone number; the seller corrects it', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/record/${recordId}`);
      const zone = page.getByTestId('record-time-zone');
      await zone.waitFor();
      await expect(zone.textContent()).resolves.toContain('America/New_York');
      await expect(page.getByTestId('record-time-zone-source').textContent()).resolves.toContain(
        'inferred from the phone number',
      );
      await zone.getByRole('button', { name: 'Correct' }).click();
      await page.getByLabel('Time zone of this record').selectOption('America/Chicago');
      await page.getByRole('button', { name: 'Save time zone' }).click();
      await page.getByTestId('record-time-zone').filter({ hasText: 'America/Chicago' }).waitFor();
      expect(await page.getByTestId('record-time-zone-source').count()).toBe(0);
      const stored = await e2e.world.as('eastSeller', 'GET', `/api/records/${recordId}/time-zone`);
      expect(stored.json()).toEqual({ zone: 'America/Chicago', source: 'record', inferred: false });

      // The corrected zone is the recipient's time from now on: 08:00 in Chicago.
      await page.goto(`${e2e.baseUrl}/settings/outbox`);
      const outboxRow = page.getByRole('row').filter({ hasText: 'ada@customer.test' });
      await outboxRow.getByTestId('scheduled-for').waitFor();
      await expect(outboxRow.getByTestId('scheduled-for').textContent()).resolves.toContain(
        "8 Dec 2026, 08:00 recipient's time (America/Chicago)",
      );
    } finally {
      await context.close();
    }
  });
});
