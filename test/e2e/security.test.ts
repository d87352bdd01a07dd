import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { unsubscribeUrl } from '../../src/mail/tracking.ts';
import { queueEmail, seedSequence } from '../mail/mail-fixtures.ts';
import { ORG_ID } from '../support/world.ts';
import { createSequence, type E2E, openDesigner, signIn, startE2E } from './designer-helpers.ts';

/**
 * The Content-Security-Policy (no inline script, no framing) in a real Chromium: the built UI signs in and
 * renders its main screens without a single CSP violation, and a recipient can still unsubscribe.
 */
function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

describe('security headers in the browser', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('the UI works under the CSP: sign-in, work list, records, sequences, designer, settings', async () => {
    const { context, page } = await signIn(e2e, 'eastAdmin');
    try {
      const violations = watchCsp(page);
      const sequenceId = await createSequence(e2e, 'eastAdmin', 'CSP walk');
      for (const path of ['/', '/records/lead', '/sequences', '/settings/profile']) {
        await page.goto(`${e2e.baseUrl}${path}`);
        await page.getByTestId('current-user').waitFor();
      }
      await openDesigner(e2e, page, sequenceId);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a recipient unsubscribes on the unsubscribe page', async () => {
    const scenario = await seedSequence(e2e.world.store, e2e.world.clock.now());
    const email = await queueEmail(e2e.world.store, scenario, e2e.world.clock.now());
    const url = unsubscribeUrl(e2e.baseUrl, testConfig().secretKey, {
      orgId: ORG_ID,
      messageId: email.outboundId,
    });
    const context = await e2e.browser.newContext();
    try {
      const page = await context.newPage();
      const violations = watchCsp(page);
      await page.goto(url);
      await page.getByRole('button', { name: 'Unsubscribe' }).click();
      await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
