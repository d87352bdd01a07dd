import type { BrowserContext, Page } from 'playwright-core';
import { ORG_ID, USERS, type WorldUserKey } from '../support/world.ts';
import type { E2E } from './designer-helpers.ts';

/**
 * Opens a browser context already signed in with the world's session of `user` (its cookie), so a file with many
 * browser walks stays under the sign-in rate limit (10 a minute); the sign-in form itself is covered by ui.test.ts.
 */
export async function signInWithSession(
  e2e: E2E,
  user: WorldUserKey,
  options: { locale?: 'en' | 'pl' } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const locale = options.locale ?? 'en';
  await e2e.world.store.db
    .updateTable('users')
    .set({ locale })
    .where('org_id', '=', ORG_ID)
    .where('id', '=', USERS[user].id)
    .execute();
  const session = await e2e.world.session(user);
  const context = await e2e.browser.newContext({
    locale: locale === 'pl' ? 'pl-PL' : 'en-US',
    viewport: { width: 1440, height: 900 },
  });
  context.setDefaultTimeout(15_000);
  await context.clock.setFixedTime(e2e.world.clock.now());
  const [name, value] = session.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: e2e.baseUrl }]);
  const page = await context.newPage();
  await page.goto(e2e.baseUrl);
  await page.getByTestId('current-user').waitFor();
  return { context, page };
}
