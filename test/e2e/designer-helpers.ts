import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  EMPTY_DEFINITION,
  type NodeKind,
  type SequenceDefinition,
} from '../../src/domain/sequence/definition.ts';
import { insertSequence } from '../../src/store/repos/sequences-repo.ts';
import { BU, createWorld, ORG_ID, PASSWORD, USERS, type World, type WorldUserKey } from '../support/world.ts';
import { launchBrowser } from './browser.ts';

/**
 * Page helpers for end-to-end tests of the UI, reusable by every screen's test: a world (fresh SQLite, seeded
 * users of every role) served over HTTP on a random port, a Chromium, sign-in, the designer and its actions.
 * The UI must be built first (`npm run build:web`; `npm test` does it).
 */

export interface E2E {
  world: World;
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startE2E(): Promise<E2E> {
  const world = await createWorld('sqlite', { file: true });
  await world.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = world.app.server.address() as AddressInfo;
  const browser = await launchBrowser();
  return {
    world,
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    async close() {
      await browser.close();
      await world.close();
    },
  };
}

/** A new browser context (own cookies) signed in as a world user; `locale` sets the profile language. */
export async function signIn(
  e2e: E2E,
  user: WorldUserKey,
  options: { locale?: 'en' | 'pl'; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const locale = options.locale ?? 'en';
  await e2e.world.store.db
    .updateTable('users')
    .set({ locale })
    .where('org_id', '=', ORG_ID)
    .where('id', '=', USERS[user].id)
    .execute();
  const context = await e2e.browser.newContext({
    locale: locale === 'pl' ? 'pl-PL' : 'en-US',
    viewport: options.viewport ?? { width: 1440, height: 900 },
  });
  context.setDefaultTimeout(10_000);
  // The browser reads the same "now" as the server's fake clock, so relative times and "today" agree.
  await context.clock.setFixedTime(e2e.world.clock.now());
  const page = await context.newPage();
  await page.goto(e2e.baseUrl);
  await page.locator('input[type="email"]').fill(USERS[user].email);
  await page.locator('input[type="password"]').fill(PASSWORD);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId('current-user').waitFor();
  return { context, page };
}

/** A sequence owned by a world user, created in the store (setup, not the behaviour under test). */
export async function createSequence(
  e2e: E2E,
  owner: WorldUserKey,
  name: string,
  definition: SequenceDefinition = EMPTY_DEFINITION,
): Promise<string> {
  const user = USERS[owner];
  const row = await insertSequence(e2e.world.store.db, {
    orgId: ORG_ID,
    actorId: user.id,
    ownerId: user.id,
    businessUnitId: user.businessUnitId ?? BU.east,
    name,
    description: '',
    recordType: 'lead',
    definition,
    now: e2e.world.clock.now(),
  });
  return row.id;
}

export async function openDesigner(e2e: E2E, page: Page, sequenceId: string): Promise<void> {
  await page.goto(`${e2e.baseUrl}/sequences/${sequenceId}`);
  await page.getByTestId('designer-start').waitFor();
}

/**
 * Adds a node through the + button of a slot: "start" (after "Sequence starts here") or "<nodeId>:next",
 * "<nodeId>:yes", "<nodeId>:no". Returns the new node's id.
 */
export async function addNode(page: Page, slot: string, kind: NodeKind): Promise<string> {
  const before = await nodeIds(page);
  const menuItem = page.getByTestId(`add-kind-${kind}`);
  await page.getByTestId(`add-${slot}`).click();
  // A click that lands while the canvas re-lays out (e.g. right after an activation error is drawn) can miss the
  // + button; the menu not opening is then retried once, the node must still be added.
  if (!(await menuItem.isVisible())) {
    await menuItem.waitFor({ timeout: 3000 }).catch(() => page.getByTestId(`add-${slot}`).click());
  }
  await menuItem.click();
  await page.getByTestId('properties-panel').waitFor();
  const after = await nodeIds(page);
  const added = after.find((id) => !before.includes(id));
  if (!added) throw new Error(`no ${kind} node appeared after adding at ${slot}`);
  return added;
}

/** Ids of the sequence's nodes on the canvas. */
/** What has keyboard focus: its test id (a canvas step is `rf__node-<id>`), else its tag. */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement;
    return element?.getAttribute('data-testid') ?? element?.tagName.toLowerCase() ?? 'nothing';
  });
}

export async function nodeIds(page: Page): Promise<string[]> {
  return page
    .locator('[data-testid^="node-"]:not([data-testid^="node-problem-"])')
    .evaluateAll((elements) => elements.map((el) => el.getAttribute('data-testid')!.slice('node-'.length)));
}

export async function saveDesigner(page: Page): Promise<void> {
  await page.getByTestId('save').click();
  await page
    .getByTestId('dirty-state')
    .filter({ hasNotText: /unsaved|niezapisane/i })
    .waitFor();
}

const SCREENSHOTS = resolve(import.meta.dirname, '../../docs/screenshots');

/**
 * Saves a screenshot for docs/screenshots/ only when `UPDATE_SCREENSHOTS=1`, so `npm test` leaves the working tree
 * clean; the page is still rendered the same way either way.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`) });
}
