import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium driven by playwright-core; never a downloaded browser. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * Where a screenshot goes: docs/screenshots only with UPDATE_SCREENSHOTS=1 (so `npm test` leaves the working tree
 * clean), otherwise a scratch folder — the page is still rendered and captured, so a broken page still fails.
 */
export function screenshotPath(name: string): string {
  const folder =
    process.env.UPDATE_SCREENSHOTS === '1'
      ? resolve(import.meta.dirname, '../../docs/screenshots')
      : resolve(tmpdir(), 'stepwise-screenshots');
  mkdirSync(folder, { recursive: true });
  return resolve(folder, `${name}.png`);
}
