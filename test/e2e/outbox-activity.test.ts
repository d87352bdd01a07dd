import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import type { MessageStatus } from '../../src/store/schema.ts';
import { addSmtpMailbox, deliveryFor, type LoopbackSmtp, SELLER, startSmtp } from '../mail/mail-fixtures.ts';
import { ORG_ID, USERS } from '../support/world.ts';
import { type E2E, signIn, startE2E } from './designer-helpers.ts';

/**
 * Settings → Outbox as an activity view: a seller filters by status and opens one email to read it as it went
 * over SMTP (HTML in a sandboxed frame), its open event and the SMTP server's answer; another seller's email
 * does not exist for them.
 */
describe('the outbox as an activity view', () => {
  let e2e: E2E;
  let smtp: LoopbackSmtp;
  let mail: MailDelivery;
  const ids = { sent: 'outbox-sent-1', failed: 'outbox-failed-1', other: 'outbox-other-1' };

  const queue = async (id: string, sender: string, subject: string, html: string) => {
    const now = e2e.world.clock.now();
    const status: MessageStatus = 'queued';
    await e2e.world.store.db
      .insertInto('outbound_messages')
      .values({
        org_id: ORG_ID,
        id,
        connection_id: null,
        step_instance_id: null,
        record_id: null,
        sender_user_id: sender,
        to_address: `${id}@customer.test`,
        subject,
        body_html: html,
        body_text: subject,
        message_id: `<${id}@stepwise.local>`,
        idempotency_key: id,
        status,
        hold_reason: null,
        template_id: null,
        variant: null,
        tracking: 1,
        not_before: now,
        attempts: 0,
        last_error: null,
        schedule_id: null,
        lease_owner: null,
        lease_until: null,
        sent_at: null,
        created_at: now,
        updated_at: now,
        content_kind: 'final',
        raw_mime: null,
      })
      .execute();
  };

  beforeAll(async () => {
    e2e = await startE2E();
    const now = e2e.world.clock.now();
    smtp = await startSmtp();
    await addSmtpMailbox(e2e.world.store, SELLER, smtp.port, now);
    mail = deliveryFor(e2e.world.store, e2e.world.clock);
    await queue(ids.failed, SELLER, 'Pricing for Acme', '<p>Our prices</p>');
    smtp.rejectNext(550, '5.1.1 <outbox-failed-1@customer.test>: Recipient address rejected');
    await mail.drain();
    await queue(ids.sent, SELLER, 'Meeting next week', '<p>Hello <strong>Elena</strong>, shall we meet?</p>');
    await mail.drain();
    await queue(ids.other, USERS.eastSeller2.id, 'Not yours', '<p>Private</p>');
    // The recipient opens the email: the tracking pixel of the bytes that went over SMTP is fetched.
    const sent = await simpleParser(smtp.received.at(-1)!.raw);
    const pixel = /src="[^"]*(\/t\/o\/[^"]+)"/.exec(typeof sent.html === 'string' ? sent.html : '')?.[1];
    expect(pixel).toBeTruthy();
    const open = await fetch(`${e2e.baseUrl}${pixel!.replaceAll('&amp;', '&')}`, {
      headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Thunderbird/115' },
    });
    expect(open.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await smtp?.close();
    await e2e?.close();
  });

  for (const locale of ['en', 'pl'] as const) {
    const words = {
      en: { filter: 'Status', opened: 'Opened', smtp: 'SMTP response' },
      pl: { filter: 'Status', opened: 'Otwarcie', smtp: 'Odpowiedź SMTP' },
    }[locale];
    it(`a seller filters to sent, opens an email and reads it with its open event and SMTP response (${locale})`, async () => {
      const { context, page } = await signIn(e2e, 'eastSeller', { locale });
      try {
        await page.goto(`${e2e.baseUrl}/settings/outbox`);
        const table = page.locator('table.grid');
        await table.getByText('Pricing for Acme').waitFor();
        await page.getByLabel(words.filter).selectOption('sent');
        await table.getByText('Pricing for Acme').waitFor({ state: 'detached' });
        expect(await table.textContent()).not.toContain('Not yours');
        await table.getByRole('button', { name: 'Meeting next week' }).click();
        const dialog = page.getByRole('dialog');
        await dialog.getByTestId('outbox-activity').waitFor();
        await expect(dialog.getByTestId('email-preview-subject').textContent()).resolves.toBe(
          'Meeting next week',
        );
        const frame = dialog.getByTestId('email-preview-body');
        expect(await frame.getAttribute('sandbox')).toBe('');
        await expect(
          page.frameLocator('[data-testid="email-preview-body"]').locator('strong').textContent(),
        ).resolves.toBe('Elena');
        await expect(dialog.getByTestId('outbox-events').textContent()).resolves.toContain(words.opened);
        await expect(dialog.textContent()).resolves.toContain(words.smtp);
        // The loopback server's final answer to the sent email, stored when it was accepted.
        await expect(dialog.getByTestId('outbox-smtp-response').textContent()).resolves.toMatch(
          /250 OK: message queued/,
        );
        await dialog.getByRole('button').first().click();
        await dialog.waitFor({ state: 'detached' });

        await page.getByLabel(words.filter).selectOption('failed');
        await table.getByRole('button', { name: 'Pricing for Acme' }).click();
        await expect(page.getByTestId('outbox-smtp-response').textContent()).resolves.toContain(
          '550 5.1.1 <outbox-failed-1@customer.test>: Recipient address rejected',
        );
      } finally {
        await context.close();
      }
    }, 60_000);
  }

  it("a seller cannot open another seller's email (404), its sender can", async () => {
    const other = await e2e.world.as('eastSeller', 'GET', `/api/outbox/${ids.other}/activity`);
    expect(other.statusCode).toBe(404);
    const own = await e2e.world.as('eastSeller2', 'GET', `/api/outbox/${ids.other}/activity`);
    expect(own.statusCode).toBe(200);
    const sent = await e2e.world.as('eastSeller', 'GET', `/api/outbox/${ids.sent}/activity`);
    expect(sent.json()).toMatchObject({
      status: 'sent',
      message: { asSent: true },
      events: [{ type: 'open' }],
    });
  });
});
