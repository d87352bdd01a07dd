import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSecret } from '../../src/mail/secrets.ts';
import { deliveryFor, queueEmail, SECRET_KEY, seedSequence } from '../mail/mail-fixtures.ts';
import { type IdpBrowserWorld, startIdpBrowserWorld } from '../support/idp-browser-world.ts';
import type { TestIdp } from '../support/oidc-idp.ts';
import { PASSWORD, USERS, type World } from '../support/world.ts';

/**
 * Connecting an OAuth mailbox in a real browser (issue 19): Settings → Mailboxes, the generic preset pointing at
 * a real OAuth server on loopback, through its sign-in and back, connected. The UI must be built first.
 */
describe('connecting an OAuth mailbox in the browser', () => {
  let world: World;
  let idp: TestIdp;
  let browser: Browser;
  let baseUrl: string;
  let setup: IdpBrowserWorld | undefined;

  beforeAll(async () => {
    setup = await startIdpBrowserWorld('/api/mailboxes/oauth/callback', { offline: true });
    ({ world, idp, browser, baseUrl } = setup);
    idp.accounts.set('sam', { email: USERS.eastSeller.email, name: 'Sam Seller', groups: [] });
  }, 60_000);
  afterAll(() => setup?.close());

  it('a seller connects their mailbox through the provider and sees it connected', async () => {
    idp.nextAccount = 'sam';
    const context = await browser.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      await page.goto(baseUrl);
      await page.locator('input[type="email"]').fill(USERS.eastSeller.email);
      await page.locator('input[type="password"]').fill(PASSWORD);
      await page.locator('button[type="submit"]').click();
      await page.getByTestId('current-user').waitFor();
      await page.goto(`${baseUrl}/settings/mailboxes`);
      const form = page.getByRole('form', { name: 'Connect a mailbox with OAuth' });
      await form.getByRole('button', { name: 'Connect Microsoft 365' }).waitFor();
      await form.getByLabel('Provider').selectOption({ label: 'Other OAuth provider' });
      await form.getByLabel('Mailbox address').fill(USERS.eastSeller.email);
      await form.getByLabel('Client ID (app registration)').fill(idp.clientId);
      await form.getByLabel('Client secret').fill(idp.clientSecret);
      await form.getByLabel('Issuer URL').fill(idp.issuer);
      await form.getByLabel('SMTP server').fill('127.0.0.1');
      await form.getByLabel('SMTP port').fill('2525');
      await form.getByRole('button', { name: 'Connect', exact: true }).click();
      // Through the provider's sign-in and consent, back on Settings → Mailboxes.
      await page.getByRole('status').getByText('Mailbox connected.').waitFor();
      expect(new URL(page.url()).pathname).toBe('/settings/mailboxes');
      const mailboxes = (await world.as('eastSeller', 'GET', '/api/mailboxes')).json().items;
      const mine = mailboxes.find((m: { userId: string }) => m.userId === USERS.eastSeller.id);
      await page.getByRole('row', { name: new RegExp(USERS.eastSeller.email) }).waitFor();
      const status = await world.as('eastSeller', 'GET', `/api/mailboxes/${mine.id}/oauth`);
      expect(status.json()).toMatchObject({ status: 'connected', preset: 'generic' });

      // The provider revokes the grant; the next send needs a refresh, gets invalid_grant, and holds the email.
      const row = await world.store.db
        .selectFrom('mailbox_oauth')
        .selectAll()
        .where('mailbox_id', '=', mine.id)
        .executeTakeFirstOrThrow();
      await fetch(`${idp.issuer}/token/revocation`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: decryptSecret(SECRET_KEY, row.refresh_token_enc!) }),
      });
      world.clock.set(row.access_expires_at! + 60_000);
      const scenario = await seedSequence(world.store, world.clock.now());
      await queueEmail(world.store, scenario, world.clock.now());
      const delivery = deliveryFor(world.store, world.clock);
      try {
        expect(await delivery.drain()).toMatchObject({ sent: 0, held: 1 });
      } finally {
        delivery.close();
      }
      await page.goto(`${baseUrl}/settings/mailboxes`);
      const banner = page.getByRole('alert').filter({ hasText: 'Your mailbox needs reconnecting' });
      await banner.waitFor();
      await banner.getByRole('link', { name: 'Reconnect mailbox' }).click();
      await page.getByRole('status').getByText('Mailbox connected. 1 held email was released.').waitFor();
      expect(await page.getByRole('alert').filter({ hasText: 'needs reconnecting' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);
});
