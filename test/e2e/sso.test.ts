import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdpBrowserWorld, startIdpBrowserWorld } from '../support/idp-browser-world.ts';
import type { TestIdp } from '../support/oidc-idp.ts';
import { BU, PASSWORD, USERS, type World } from '../support/world.ts';

/**
 * Single sign-on in a real browser: the sign-in page offers "Sign in with Acme ID", the browser goes to a real
 * OpenID provider on loopback and back, and lands signed in as a just-in-time user with the role its group maps
 * to; with "enforce SSO" the password form refuses a seller. The UI must be built first (`npm run build:web`).
 */
describe('single sign-on in the browser', () => {
  let world: World;
  let idp: TestIdp;
  let browser: Browser;
  let baseUrl: string;
  let setup: IdpBrowserWorld | undefined;

  beforeAll(async () => {
    setup = await startIdpBrowserWorld('/api/auth/sso/callback');
    ({ world, idp, browser, baseUrl } = setup);
    idp.accounts.set('dave', { email: 'dave@elsewhere.test', name: 'Dave Outside', groups: [] });
    idp.accounts.set('carol', { email: 'carol@acme.test', name: 'Carol Manager', groups: ['west-managers'] });
    const created = await world.as('eastAdmin', 'POST', '/api/admin/sso-providers', {
      name: 'Acme ID',
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      allowedDomains: ['acme.test', 'example.com'],
      defaultBusinessUnitId: BU.east,
      defaultRole: 'seller',
      groupsClaim: 'groups',
      groupMappings: [{ group: 'west-managers', role: 'sales_manager', businessUnitId: BU.west }],
      enforce: true,
    });
    expect(created.statusCode, created.body).toBe(201);
  }, 60_000);
  afterAll(() => setup?.close());

  it('signs a new person in through the provider as the role their group maps to', async () => {
    idp.nextAccount = 'carol';
    const context = await browser.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      await page.goto(baseUrl);
      await page.getByRole('link', { name: 'Sign in with Acme ID' }).click();
      await page.getByTestId('current-user').waitFor();
      expect(new URL(page.url()).origin).toBe(baseUrl);
      const me = await page.evaluate(async () => (await fetch('/api/me')).json());
      expect(me).toMatchObject({
        email: 'carol@acme.test',
        roles: ['sales_manager'],
        businessUnitId: BU.west,
      });
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a person from a domain that is not allowed is back on the sign-in page with the reason', async () => {
    idp.nextAccount = 'dave';
    const context = await browser.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      await page.goto(baseUrl);
      await page.getByRole('link', { name: 'Sign in with Acme ID' }).click();
      await page
        .getByRole('alert')
        .getByText('Your email domain may not sign in to this organisation.')
        .waitFor();
      expect(page.url()).toBe(`${baseUrl}/`);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('an admin adds a provider with a group mapping in Settings → Single sign-on; the sign-in page offers it', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      await page.goto(baseUrl);
      await page.locator('input[type="email"]').fill(USERS.eastAdmin.email);
      await page.locator('input[type="password"]').fill(PASSWORD);
      await page.locator('button[type="submit"]').click();
      await page.getByTestId('current-user').waitFor();
      await page.goto(`${baseUrl}/settings/sso`);
      await page.getByText(`${baseUrl}/api/auth/sso/callback`).waitFor();
      const form = page.getByRole('form', { name: 'Add provider' });
      await form.getByLabel('Name on the sign-in button').fill('Acme Two');
      await form.getByLabel('Issuer URL').fill(idp.issuer);
      await form.getByLabel('Client ID').fill(idp.clientId);
      await form.getByLabel('Client secret').fill(idp.clientSecret);
      await form.getByLabel('Allowed email domains').fill('acme.test');
      await form.getByLabel('Business unit for new people').selectOption({ label: 'West' });
      await form.getByLabel('Groups claim (optional)').fill('groups');
      await form.getByLabel(/Group mappings/).fill('west-managers, sales_manager, East');
      await form.getByRole('button', { name: 'Add provider' }).click();
      await page.getByRole('row', { name: /Acme Two/ }).waitFor();
      const listed = (await world.as('eastAdmin', 'GET', '/api/admin/sso-providers')).json().items;
      expect(listed.find((p: { name: string }) => p.name === 'Acme Two')).toMatchObject({
        defaultBusinessUnitId: BU.west,
        enforce: false,
        groupMappings: [{ group: 'west-managers', role: 'sales_manager', businessUnitId: BU.east }],
      });
      // The box follows the saved state: it turns on once the server has the change.
      const enforce = page.getByRole('checkbox', { name: 'Enforce single sign-on with Acme Two' });
      await enforce.click();
      await expect.poll(() => enforce.isChecked()).toBe(true);
      await expect
        .poll(async () => (await world.as('eastAdmin', 'GET', '/api/admin/sso-providers')).json().items)
        .toContainEqual(expect.objectContaining({ name: 'Acme Two', enforce: true }));
      const signInPage = await context.newPage();
      await context.clearCookies();
      await signInPage.goto(baseUrl);
      await signInPage.getByRole('link', { name: 'Sign in with Acme Two' }).waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('with "enforce SSO" the password form refuses a seller and still lets an admin in', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      await page.goto(baseUrl);
      await page.locator('input[type="email"]').fill(USERS.eastSeller.email);
      await page.locator('input[type="password"]').fill(PASSWORD);
      await page.locator('button[type="submit"]').click();
      await page.getByRole('alert').getByText('Your organisation signs in with single sign-on').waitFor();
      await page.locator('input[type="email"]').fill(USERS.eastAdmin.email);
      await page.locator('button[type="submit"]').click();
      await page.getByTestId('current-user').waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);
});
