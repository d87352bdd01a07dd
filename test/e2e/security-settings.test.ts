import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../support/world.ts';
import { type E2E, signIn, startE2E } from './designer-helpers.ts';

/**
 * Settings → API tokens (scopes and expiry) and Profile → Password (policy, keep-tokens choice) in a real
 * browser against the real server. The UI must be built first (`npm run build:web`).
 */
describe('API tokens and password in the browser', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  const call = (token: string, method: 'GET' | 'POST', url: string) =>
    e2e.world.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(method === 'POST' ? { payload: { type: 'lead', name: 'Via token' } } : {}),
    });

  it('an admin creates a read + admin token that expires in 30 days; the list shows its scopes and expiry', async () => {
    const { context, page } = await signIn(e2e, 'eastAdmin');
    try {
      await page.goto(`${e2e.baseUrl}/settings/tokens`);
      const form = page.getByRole('form', { name: 'Create token' });
      await form.getByLabel('Token name').fill('Reporting export');
      await form.getByRole('checkbox', { name: 'Write' }).uncheck();
      await form.getByRole('checkbox', { name: 'Admin' }).check();
      await form.getByLabel('Expires').selectOption({ label: '30 days' });
      await form.getByRole('button', { name: 'Create token' }).click();
      const token = (await page.getByTestId('new-token').textContent()) ?? '';
      expect(token).toMatch(/^swt_/);

      const row = page.getByRole('row', { name: /Reporting export/ });
      await row.getByText('Read, Admin').waitFor();
      const expires = new Date(e2e.world.clock.now() + 30 * 24 * 3_600_000);
      await row.getByText(String(expires.getFullYear()), { exact: false }).first().waitFor();

      // The token does what its scopes say.
      expect((await call(token, 'GET', '/api/admin/users')).statusCode).toBe(200);
      const write = await call(token, 'POST', '/api/records');
      expect([write.statusCode, write.json().code]).toEqual([403, 'insufficient_scope']);
      const stored = await e2e.world.store.db
        .selectFrom('api_tokens')
        .select(['scopes_json', 'expires_at'])
        .where('name', '=', 'Reporting export')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(stored.scopes_json)).toEqual(['read', 'admin']);
      expect(Number(stored.expires_at)).toBe(expires.getTime());
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a seller is not offered the admin scope; a common new password is refused, a good one revokes the tokens', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/settings/tokens`);
      const form = page.getByRole('form', { name: 'Create token' });
      await form.getByRole('checkbox', { name: 'Read' }).waitFor();
      expect(await form.getByRole('checkbox', { name: 'Admin' }).count()).toBe(0);
      await form.getByLabel('Token name').fill('CRM sync');
      await form.getByLabel('Expires').selectOption({ label: 'Never' });
      await form.getByRole('button', { name: 'Create token' }).click();
      const token = (await page.getByTestId('new-token').textContent()) ?? '';
      await page
        .getByRole('row', { name: /CRM sync/ })
        .getByText('Read, Write')
        .waitFor();
      expect((await call(token, 'GET', '/api/me')).statusCode).toBe(200);

      await page.goto(`${e2e.baseUrl}/settings/profile`);
      const password = page.getByRole('form', { name: 'Password' });
      await password.getByLabel('Current password').fill(PASSWORD);
      await password.getByLabel('New password').fill('password1234');
      await password.getByRole('button', { name: 'Change password' }).click();
      await password
        .getByRole('alert')
        .getByText(/Choose a stronger password/)
        .waitFor();
      expect((await call(token, 'GET', '/api/me')).statusCode).toBe(200);

      await password.getByLabel('New password').fill('lantern-fjord-biscuit-2');
      await password.getByRole('button', { name: 'Change password' }).click();
      await password
        .getByRole('status')
        .getByText(/API tokens revoked/)
        .waitFor();
      expect((await call(token, 'GET', '/api/me')).statusCode).toBe(401);
      await page.goto(`${e2e.baseUrl}/settings/tokens`);
      await page
        .getByRole('row', { name: /CRM sync/ })
        .getByText('Revoked')
        .waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);
});
