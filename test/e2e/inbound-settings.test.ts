import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/store/ids.ts';
import { insertInboundMessage } from '../../src/store/repos/inbound-messages-repo.ts';
import { addSuppression } from '../../src/store/repos/suppressions-repo.ts';
import { insertOutbound, SELLER } from '../mail/mail-fixtures.ts';
import { ORG_ID } from '../support/world.ts';
import { type E2E, signIn, startE2E } from './designer-helpers.ts';

/**
 * Settings → Suppression list and Settings → Inbound mail (admins), and the outbox's `bounced` status, in a real
 * browser against the real server. The UI must be built first (`npm run build:web`).
 */
describe('inbound mail screens in the browser', () => {
  let e2e: E2E;
  const raw = [
    'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
    'To: bounces+x@bounces.seller.test',
    'Subject: Undelivered Mail Returned to Sender',
    'Content-Type: text/html',
    '',
    '<script>window.__inboundPwned = 1</script><b>unknown user: "gone"</b>',
    '',
  ].join('\r\n');
  beforeAll(async () => {
    e2e = await startE2E();
    const { db } = e2e.world.store;
    const now = e2e.world.clock.now();
    for (const [address, reason] of [
      ['gone@customer.test', 'hard_bounce'],
      ['angry@customer.test', 'complaint'],
    ] as const) {
      await addSuppression(db, {
        orgId: ORG_ID,
        address,
        reason,
        detail: reason === 'hard_bounce' ? '5.1.1 userunknown' : 'feedback: abuse',
        outboundMessageId: null,
        createdBy: null,
        now,
      });
    }
    const outboundId = newId(now);
    await insertOutbound(e2e.world.store, {
      id: outboundId,
      connectionId: null,
      stepInstanceId: null,
      recordId: null,
      senderUserId: SELLER,
      to: 'gone@customer.test',
      templateId: null,
      notBefore: now,
      tracking: 0,
      now,
    });
    await db
      .updateTable('outbound_messages')
      .set({
        status: 'bounced',
        subject: 'Hello Gone',
        last_error: 'Bounced 5.1.1 userunknown: unknown user',
      })
      .where('id', '=', outboundId)
      .execute();
    await insertInboundMessage(db, {
      org_id: ORG_ID,
      id: newId(now),
      dedupe_key: 'hash:e2e',
      via: 'smtp',
      received_at: now,
      from_address: 'mailer-daemon@mx.customer.test',
      subject: 'Undelivered Mail Returned to Sender',
      message_id: null,
      class: 'bounce',
      detail: 'postfix',
      outcome: 'bounce',
      reason: 'hard 5.1.1 userunknown',
      outbound_message_id: outboundId,
      matched_by: 'verp',
      size_bytes: raw.length,
      raw_base64: Buffer.from(raw).toString('base64'),
    });
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it('an admin searches, exports and removes suppressions, and reads an inbound message as plain text', async () => {
    const { context, page } = await signIn(e2e, 'eastAdmin');
    try {
      await page.goto(`${e2e.baseUrl}/settings`);
      await page.getByRole('link', { name: 'Suppression list' }).click();
      const table = page.getByRole('table', { name: 'Suppression list' });
      await table.getByRole('row', { name: /angry@customer\.test.*Spam complaint/ }).waitFor();
      await table.getByRole('row', { name: /gone@customer\.test.*Hard bounce/ }).waitFor();

      await page.getByLabel('Search addresses').fill('gone');
      await table.getByRole('row', { name: /angry@customer\.test/ }).waitFor({ state: 'detached' });

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('suppressions.csv');

      await table
        .getByRole('row', { name: /gone@customer\.test/ })
        .getByRole('button', { name: 'Remove' })
        .click();
      await page.getByTestId('confirm-action').click();
      await page.getByText('No suppressed addresses.').waitFor();
      const left = await e2e.world.store.db.selectFrom('suppressions').select('address').execute();
      expect(left).toEqual([{ address: 'angry@customer.test' }]);

      await page.getByRole('link', { name: 'Inbound mail' }).click();
      const inbound = page.getByRole('table', { name: 'Inbound mail' });
      const row = inbound.getByRole('row', { name: /mailer-daemon@mx\.customer\.test/ });
      await row.getByText('Return path (VERP)').waitFor();
      await row.getByText('hard 5.1.1 userunknown').waitFor();
      await row.getByRole('button').click();
      const source = page.getByTestId('inbound-source');
      await source.getByText('<script>window.__inboundPwned = 1</script>', { exact: false }).waitFor();
      expect(
        await page.evaluate(() => (window as { __inboundPwned?: number }).__inboundPwned),
      ).toBeUndefined();
      expect(await source.locator('script, b').count()).toBe(0);

      await page.getByRole('link', { name: 'Outbox' }).click();
      const sent = page.getByRole('row', { name: /gone@customer\.test/ });
      await sent.getByRole('cell', { name: /^Bounced/ }).waitFor();
      await sent.getByTestId('bounce-reason').getByText('5.1.1 userunknown', { exact: false }).waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a seller has neither screen', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/settings`);
      await page.getByRole('link', { name: 'Outbox' }).waitFor();
      expect(await page.getByRole('link', { name: 'Suppression list' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Inbound mail' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);
});
