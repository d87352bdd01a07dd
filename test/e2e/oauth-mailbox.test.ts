import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSecret } from '../../src/mail/secrets.ts';
import { deliveryFor, queueEmail, SECRET_KEY, seedSequence } from '../mail/mail-fixtures.ts';
import { freePort } from '../support/free-port.ts';
import { startTestIdp, type TestIdp } from '../support/oidc-idp.ts';
import { createWorld, USERS, type World } from '../support/world.ts';
import { launchBrowser } from './browser.ts';
import type { E2E } from './designer-helpers.ts';
import { signInWithSession } from './session-sign-in.ts';

/**
 * OAuth mailboxes in a real browser (issue 19): an admin registers the organisation's app in Settings →
 * Mailboxes (the generic preset pointing at a real OAuth server on loopback); a seller connects with one click,
 * through the provider's sign-in and back. When the grant is revoked, the seller's work list starts with a
 * "reconnect" item that leads to the reconnect, and goes away after it. The UI must be built first.
 */

describe('OAuth mailboxes in the browser: organisation registration, one-click connect, reconnect item', () => {
  let world: World;
  let idp: TestIdp;
  let browser: Browser;
  let baseUrl: string;
  let e2e: E2E;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    world = await createWorld('sqlite', { file: true, config: { publicUrl: baseUrl } });
    await world.app.listen({ port, host: '127.0.0.1' });
    idp = await startTestIdp(`${baseUrl}/api/mailboxes/oauth/callback`, { offline: true });
    idp.accounts.set('sam', { email: USERS.eastSeller.email, name: 'Sam Seller', groups: [] });
    idp.accounts.set('sue', { email: USERS.eastSeller2.email, name: 'Sue Seller', groups: [] });
    browser = await launchBrowser();
    e2e = { world, baseUrl, browser, close: async () => {} };
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await idp?.close();
    await world?.close();
  });

  const mailboxOf = async (user: 'eastSeller' | 'eastSeller2') => {
    const mailboxes = (await world.as(user, 'GET', '/api/mailboxes')).json().items;
    return mailboxes.find((m: { userId: string }) => m.userId === USERS[user].id);
  };

  it('an admin registers the app; a seller connects with one click; a revoked grant puts a reconnect item on top of the work list (en)', async () => {
    // The admin registers the organisation's app once.
    const admin = await signInWithSession(e2e, 'eastAdmin');
    try {
      const { page } = admin;
      await page.goto(`${baseUrl}/settings/mailboxes`);
      // The redirect URI to paste at the provider (shown once the registrations have loaded).
      await expect
        .poll(() => page.getByTestId('oauth-redirect-uri').textContent())
        .toBe(`${baseUrl}/api/mailboxes/oauth/callback`);
      const form = page.getByRole('form', { name: 'OAuth app registrations (organisation)' });
      await form.getByLabel('Provider').selectOption({ label: 'Other OAuth provider' });
      await form.getByLabel('Button name').fill('Loopback Mail');
      await form.getByLabel('Client ID (application ID)').fill(idp.clientId);
      await form.getByLabel('Client secret').fill(idp.clientSecret);
      await form.getByLabel('Issuer URL').fill(idp.issuer);
      await form.getByLabel('SMTP server').fill('127.0.0.1');
      await form.getByLabel('SMTP port').fill('2525');
      await form.getByRole('button', { name: 'Save registration' }).click();
      await form.getByRole('status').getByText('Registration saved.').waitFor();
      await page.getByRole('table', { name: 'Registered apps' }).getByText('Loopback Mail').waitFor();
    } finally {
      await admin.context.close();
    }

    // The seller sees no client id or secret field: one button.
    idp.nextAccount = 'sam';
    const seller = await signInWithSession(e2e, 'eastSeller');
    try {
      const { page } = seller;
      await page.goto(`${baseUrl}/settings/mailboxes`);
      const connect = page.getByRole('region', { name: 'Connect a mailbox with OAuth' });
      await connect.getByRole('button', { name: 'Connect Loopback Mail' }).waitFor();
      expect(await page.getByLabel('Client secret').count()).toBe(0);
      expect(await page.getByLabel('Client ID (application ID)').count()).toBe(0);
      await connect.getByRole('button', { name: 'Connect Loopback Mail' }).click();
      // Through the provider's sign-in and consent, back on Settings → Mailboxes.
      await page.getByRole('status').getByText('Mailbox connected.').waitFor();
      expect(new URL(page.url()).pathname).toBe('/settings/mailboxes');
      await page.getByRole('row', { name: new RegExp(USERS.eastSeller.email) }).waitFor();
      const mine = await mailboxOf('eastSeller');
      const status = await world.as('eastSeller', 'GET', `/api/mailboxes/${mine.id}/oauth`);
      expect(status.json()).toMatchObject({ status: 'connected', preset: 'generic' });
      await page.goto(baseUrl);
      await page.getByTestId('worklist').waitFor();
      expect(await page.getByTestId('work-item-reconnect').count()).toBe(0);

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
      const email = await queueEmail(world.store, scenario, world.clock.now());
      const delivery = deliveryFor(world.store, world.clock);
      try {
        expect(await delivery.drain()).toMatchObject({ sent: 0, held: 1 });
      } finally {
        delivery.close();
      }

      // The record's held email (above its Up next) links to the reconnect too.
      await page.goto(`${baseUrl}/record/${email.recordId}`);
      await page.getByTestId('held-emails').getByRole('link', { name: 'Reconnect your mailbox' }).waitFor();

      // The work list starts with the reconnect item, naming the held email; it leads to the reconnect.
      await page.goto(baseUrl);
      const item = page.getByTestId('work-item-reconnect');
      await item.getByText(`Your mailbox ${USERS.eastSeller.email} needs reconnecting`).waitFor();
      await item.getByText('1 email is held until you reconnect.').waitFor();
      const itemBox = await item.boundingBox();
      const listBox = await page.getByTestId('worklist').boundingBox();
      expect(itemBox!.y).toBeLessThan(listBox!.y);
      await item.getByRole('link', { name: 'Reconnect' }).click();
      await page.waitForURL(/\/settings\/mailboxes/);
      const banner = page.getByRole('alert').filter({ hasText: 'Your mailbox needs reconnecting' });
      await banner.getByText('1 email is held.').waitFor();
      idp.nextAccount = 'sam';
      await banner.getByRole('link', { name: 'Reconnect mailbox' }).click();
      await page.getByRole('status').getByText('Mailbox connected. 1 held email was released.').waitFor();
      expect(await page.getByRole('alert').filter({ hasText: 'needs reconnecting' }).count()).toBe(0);
      await page.goto(baseUrl);
      await page.getByTestId('worklist').waitFor();
      await expect.poll(() => page.getByTestId('work-item-reconnect').count()).toBe(0);
    } finally {
      await seller.context.close();
    }
  }, 120_000);

  it('in Polish: the admin renames the registration keeping its secret; another seller connects with one click (pl)', async () => {
    const admin = await signInWithSession(e2e, 'eastAdmin', { locale: 'pl' });
    try {
      const { page } = admin;
      await page.goto(`${baseUrl}/settings/mailboxes`);
      const form = page.getByRole('form', { name: 'Rejestracje aplikacji OAuth (organizacja)' });
      await form.getByLabel('Dostawca').selectOption({ label: 'Inny dostawca OAuth' });
      await form.getByLabel('Nazwa przycisku').fill('Poczta testowa');
      await form.getByLabel('Identyfikator klienta (identyfikator aplikacji)').fill(idp.clientId);
      await expect
        .poll(() => form.getByLabel('Sekret klienta').getAttribute('placeholder'))
        .toBe('Zostaw puste, aby zachować zapisany sekret');
      await form.getByLabel('Adres wystawcy (issuer)').fill(idp.issuer);
      await form.getByLabel('Serwer SMTP').fill('127.0.0.1');
      await form.getByLabel('Port SMTP').fill('2525');
      await form.getByRole('button', { name: 'Zapisz rejestrację' }).click();
      await form.getByRole('status').getByText('Rejestracja zapisana.').waitFor();
    } finally {
      await admin.context.close();
    }

    idp.nextAccount = 'sue';
    const seller = await signInWithSession(e2e, 'eastSeller2', { locale: 'pl' });
    try {
      const { page } = seller;
      await page.goto(`${baseUrl}/settings/mailboxes`);
      const connect = page.getByRole('region', { name: 'Połącz skrzynkę przez OAuth' });
      await connect.getByRole('button', { name: 'Połącz Poczta testowa' }).click();
      // The kept secret still works at the provider's token endpoint.
      await page.getByRole('status').getByText('Skrzynka połączona.').waitFor();
      const mine = await mailboxOf('eastSeller2');
      expect(mine.fromAddress).toBe(USERS.eastSeller2.email);
      const status = await world.as('eastSeller2', 'GET', `/api/mailboxes/${mine.id}/oauth`);
      expect(status.json()).toMatchObject({ status: 'connected' });
    } finally {
      await seller.context.close();
    }
  }, 120_000);
});
