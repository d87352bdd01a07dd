import type { Browser } from 'playwright-core';
import { launchBrowser } from '../e2e/browser.ts';
import { freePort } from './free-port.ts';
import { startTestIdp, type TestIdp } from './oidc-idp.ts';
import { createWorld, type World } from './world.ts';

/**
 * The set-up of the browser tests that go through a real OpenID/OAuth provider (SSO sign-in, OAuth mailboxes):
 * the product listening on a loopback port (its public URL, which the provider redirects back to), the test
 * provider, and Chromium. The UI must be built first (`npm run build:web`).
 */
export interface IdpBrowserWorld {
  world: World;
  idp: TestIdp;
  browser: Browser;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startIdpBrowserWorld(
  callbackPath: string,
  idpOptions: Parameters<typeof startTestIdp>[1] = {},
): Promise<IdpBrowserWorld> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const world = await createWorld('sqlite', { file: true, config: { publicUrl: baseUrl } });
  await world.app.listen({ port, host: '127.0.0.1' });
  const idp = await startTestIdp(`${baseUrl}${callbackPath}`, idpOptions);
  const browser = await launchBrowser();
  return {
    world,
    idp,
    browser,
    baseUrl,
    async close() {
      await browser.close();
      await idp.close();
      await world.close();
    },
  };
}
