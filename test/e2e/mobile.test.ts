import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORG_ID, USERS } from '../support/world.ts';
import { startWalk, type Walk } from './walk-support.ts';

/**
 * Issue 15 item 19: a seller between meetings, on a 390 px phone. The work list, the record page and Up next are
 * usable: nothing scrolls sideways, no text is cut to fewer than 12 characters, the header leaves room for the
 * work, and Up next comes before the record's details.
 */
const PHONE = { width: 390, height: 844 };

/** Elements whose text is clipped by their own box, with the share of characters still visible. */
async function cutTexts(page: Page): Promise<{ text: string; visible: number }[]> {
  return page.evaluate(() => {
    const out: { text: string; visible: number }[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('main *, header *'))) {
      const text = (el.textContent ?? '').trim();
      if (!text || el.children.length > 0) continue;
      const style = getComputedStyle(el);
      if (style.overflowX === 'visible' || el.scrollWidth <= el.clientWidth + 1) continue;
      const visible = Math.floor((text.length * el.clientWidth) / el.scrollWidth);
      if (visible < Math.min(12, text.length)) out.push({ text, visible });
    }
    return out;
  });
}

async function assertFitsPhone(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'horizontal scroll').toBeLessThanOrEqual(0);
  expect(await cutTexts(page)).toEqual([]);
}

describe('on a 390 px phone (issue 15 item 19)', () => {
  let walk: Walk;
  beforeAll(async () => {
    walk = await startWalk('e2e-mobile-worker');
  }, 60_000);
  afterAll(() => walk?.close());

  it('work list, record page and Up next fit the screen, names readable, Up next before the details (English and Polish)', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Phone-friendly follow-up with a long name');
    const recordId = await walk.createLead('eastSeller', 'Maximiliana Bartholomew-Kowalczykówna', {
      email: 'maximiliana@example.com',
      company: 'Northwind International Logistics and Warehousing',
      phoneBusiness: '+48 22 123 45 67',
    });
    await walk.connect('eastSeller', recordId, sequenceId);
    await walk.firstStep('eastSeller', recordId);

    for (const locale of ['en', 'pl'] as const) {
      await walk.e2e.world.store.db
        .updateTable('users')
        .set({ locale })
        .where('org_id', '=', ORG_ID)
        .where('id', '=', USERS.eastSeller.id)
        .execute();
      const session = await walk.e2e.world.session('eastSeller');
      const context = await walk.e2e.browser.newContext({
        locale: locale === 'pl' ? 'pl-PL' : 'en-US',
        viewport: PHONE,
        isMobile: true,
        hasTouch: true,
      });
      context.setDefaultTimeout(15_000);
      await context.clock.setFixedTime(walk.e2e.world.clock.now());
      const [name, value] = session.cookie.split('=') as [string, string];
      await context.addCookies([{ name, value, url: walk.e2e.baseUrl }]);
      const page = await context.newPage();
      try {
        await page.goto(walk.e2e.baseUrl);
        const item = page.getByTestId('work-item').filter({ hasText: 'Maximiliana' });
        await item.waitFor();
        const header = await page.locator('header.app-header').boundingBox();
        expect(header!.height, 'header height').toBeLessThanOrEqual(120);
        const link = item.getByRole('link', { name: /Maximiliana/ });
        expect((await link.boundingBox())!.width).toBeGreaterThan(100);
        await assertFitsPhone(page);

        await link.click();
        const upNext = page.getByTestId('up-next');
        await page.getByTestId('current-step').waitFor();
        await assertFitsPhone(page);
        const details = page.locator('#details-title');
        const [upNextBox, detailsBox] = [await upNext.boundingBox(), await details.boundingBox()];
        expect(upNextBox!.y, 'Up next above the details').toBeLessThan(detailsBox!.y);
        expect(upNextBox!.y, 'Up next within the first screen').toBeLessThan(PHONE.height);
      } finally {
        await context.close();
      }
    }
  }, 90_000);

  it('18. a long email in the record details wraps inside its cell instead of running over the phone number', async () => {
    const recordId = await walk.createLead('eastSeller', 'Lena Longmail', {
      email:
        'lena.longmail.procurement.department.eastern.region@northwind-international-logistics.example.com',
      phoneBusiness: '+48 22 123 45 67',
    });
    await walk.e2e.world.store.db
      .updateTable('users')
      .set({ locale: 'en' })
      .where('org_id', '=', ORG_ID)
      .where('id', '=', USERS.eastSeller.id)
      .execute();
    for (const viewport of [{ width: 1440, height: 900 }, PHONE]) {
      const session = await walk.e2e.world.session('eastSeller');
      const context = await walk.e2e.browser.newContext({ viewport });
      context.setDefaultTimeout(15_000);
      await context.clock.setFixedTime(walk.e2e.world.clock.now());
      const [name, value] = session.cookie.split('=') as [string, string];
      await context.addCookies([{ name, value, url: walk.e2e.baseUrl }]);
      const page = await context.newPage();
      try {
        await page.goto(`${walk.e2e.baseUrl}/record/${recordId}`);
        const details = page.getByRole('region', { name: 'Details' });
        await details.waitFor();
        const email = details.locator('dd').filter({ hasText: 'lena.longmail' });
        await email.waitFor();
        const phone = details.locator('dd').filter({ hasText: '+48 22 123 45 67' });
        const [e, p] = [(await email.boundingBox())!, (await phone.boundingBox())!];
        const overlaps =
          e.x < p.x + p.width && p.x < e.x + e.width && e.y < p.y + p.height && p.y < e.y + e.height;
        expect(overlaps, `email over phone at ${viewport.width}px`).toBe(false);
        expect(await email.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
      } finally {
        await context.close();
      }
    }
  }, 60_000);
});
