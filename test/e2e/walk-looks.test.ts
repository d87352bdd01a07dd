import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { createSequence, type E2E, nodeIds, openDesigner, signIn, startE2E } from './designer-helpers.ts';
import { TASK_FLOW } from './walk-support.ts';

/**
 * Issue 15, item 18 ("Looks"), in Chromium: search placeholders are not cut, the problem list's bullets sit on
 * their problem's first line, a step added at the bottom of a long sequence is scrolled into view, and 12-hour
 * browsers see AM/PM in the designer's time inputs.
 */
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

/** Width the placeholder needs (in the input's own font) vs. the room the input gives it, in CSS pixels. */
function placeholderFit(input: Locator) {
  return input.evaluate((element) => {
    const el = element as HTMLInputElement;
    const style = getComputedStyle(el);
    const context = document.createElement('canvas').getContext('2d')!;
    context.font = style.font;
    return {
      placeholder: el.placeholder,
      needed: Math.ceil(context.measureText(el.placeholder).width),
      room: el.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight),
    };
  });
}

async function expectPlaceholderFits(input: Locator, where: string): Promise<void> {
  await input.waitFor();
  const fit = await placeholderFit(input);
  expect(fit.placeholder, where).not.toBe('');
  expect(
    fit.needed,
    `${where}: "${fit.placeholder}" needs ${fit.needed}px, has ${fit.room}px`,
  ).toBeLessThanOrEqual(fit.room);
}

const chain = (count: number): SequenceDefinition => ({
  ...TASK_FLOW,
  start: 't1',
  nodes: Array.from({ length: count }, (_, i) => ({
    id: `t${i + 1}`,
    kind: 'task' as const,
    name: `Step ${i + 1}`,
    next: i + 1 < count ? `t${i + 2}` : null,
  })),
});

async function inViewport(page: Page, locator: Locator, container: Locator) {
  const box = (await locator.boundingBox())!;
  const frame = (await container.boundingBox())!;
  const view = page.viewportSize()!;
  return (
    box.y >= frame.y &&
    box.y + box.height <= frame.y + frame.height &&
    box.y >= 0 &&
    box.y + box.height <= view.height
  );
}

describe('a seller’s walk, fixed (issue 15), item 18: looks', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  }, 60_000);
  afterAll(() => e2e?.close());

  it('the header search and the record search show their whole placeholder at 1440 px and 390 px (English and Polish)', async () => {
    for (const locale of ['en', 'pl'] as const) {
      for (const viewport of [DESKTOP, PHONE]) {
        const { context, page } = await signIn(e2e, 'eastSeller', { locale });
        try {
          await page.setViewportSize(viewport);
          const where = `${locale} ${viewport.width}px`;
          await expectPlaceholderFits(page.getByTestId('global-search'), `header search, ${where}`);
          await page.goto(`${e2e.baseUrl}/records/lead`);
          await expectPlaceholderFits(page.locator('search input[type="search"]'), `record search, ${where}`);
        } finally {
          await context.close();
        }
      }
    }
  }, 90_000);

  it('each bullet of the designer’s problem list sits on the first line of its problem, even when it wraps', async () => {
    const id = await createSequence(e2e, 'eastSeller', 'Problems', {
      ...TASK_FLOW,
      start: 'wait',
      nodes: [
        {
          id: 'wait',
          kind: 'wait',
          name: 'Wait until the customer has read the proposal and talked it over with the team',
          days: 0,
          hours: 0,
          next: null,
        },
      ],
    });
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await openDesigner(e2e, page, id);
      await page.getByTestId('activate').click();
      await page.getByTestId('activate-confirm').click();
      const items = page.getByTestId('problems-list').locator('li');
      await items.first().waitFor();
      const lines = await items.evaluateAll((elements) =>
        elements.map((li) => {
          const content = li.firstElementChild as HTMLElement;
          // A marker sits on the first line box's baseline, like an empty inline probe put before the content.
          const probe = document.createElement('span');
          probe.textContent = '\u200b';
          li.insertBefore(probe, content);
          const marker = probe.getBoundingClientRect();
          probe.remove();
          const box = content.getBoundingClientRect();
          const lineHeight = Number.parseFloat(getComputedStyle(content).lineHeight) || 20;
          return {
            text: li.textContent,
            markerTop: marker.top,
            contentTop: box.top,
            height: box.height,
            lineHeight,
          };
        }),
      );
      expect(
        lines.some((line) => line.height > line.lineHeight * 1.5),
        JSON.stringify(lines),
      ).toBe(true);
      for (const line of lines) {
        expect(Math.abs(line.markerTop - line.contentTop), JSON.stringify(line)).toBeLessThan(
          line.lineHeight / 2,
        );
      }
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a step added at the bottom of a long sequence is scrolled into view', async () => {
    const id = await createSequence(e2e, 'eastSeller', 'Long sequence', chain(14));
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await openDesigner(e2e, page, id);
      const canvas = page.getByTestId('designer-canvas');
      const add = page.getByTestId('add-t14:next');
      await add.waitFor({ state: 'attached' });
      // Pan (drag the empty canvas) until the last + sits right at the canvas's bottom edge.
      const frame = (await canvas.boundingBox())!;
      const plus = (await add.boundingBox())!;
      const dy = plus.y + plus.height - (frame.y + frame.height - 2);
      await page.mouse.move(frame.x + 12, frame.y + frame.height / 2);
      await page.mouse.down();
      await page.mouse.move(frame.x + 12, frame.y + frame.height / 2 - dy, { steps: 8 });
      await page.mouse.move(frame.x + 12, frame.y + frame.height / 2 - dy, { steps: 1 });
      await page.mouse.up();
      expect(await inViewport(page, add, canvas)).toBe(true);

      const before = await nodeIds(page);
      await add.click();
      await page.getByTestId('add-kind-phone_call').click();
      await page.getByTestId('properties-panel').waitFor();
      const added = (await nodeIds(page)).find((node) => !before.includes(node))!;
      const node = page.getByTestId(`node-${added}`);
      await expect.poll(() => inViewport(page, node, canvas), { timeout: 5000 }).toBe(true);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a 12-hour browser (en-US) sees the whole time, AM/PM included, in the designer’s send-window inputs', async () => {
    const id = await createSequence(e2e, 'eastSeller', 'Send window', {
      ...TASK_FLOW,
      options: { ...TASK_FLOW.options, sendWindow: { from: '09:00', to: '17:00' } },
    });
    const { context, page } = await signIn(e2e, 'eastSeller', { locale: 'en' });
    try {
      await openDesigner(e2e, page, id);
      const inputs = page.getByTestId('options-panel').locator('input[type="time"]');
      await inputs.first().waitFor();
      const sizes = await inputs.evaluateAll((elements) =>
        elements.map((el) => {
          const clone = el.cloneNode() as HTMLInputElement;
          clone.style.width = 'auto';
          el.after(clone);
          const natural = clone.getBoundingClientRect().width;
          clone.remove();
          return {
            scroll: el.scrollWidth,
            client: el.clientWidth,
            natural,
            box: el.getBoundingClientRect().width,
          };
        }),
      );
      expect(sizes).toHaveLength(2);
      // An input narrower than its own content hides the end of the time (the AM/PM field) without scrolling.
      for (const size of sizes) {
        expect(size.scroll, JSON.stringify(sizes)).toBeLessThanOrEqual(size.client);
        expect(size.natural, JSON.stringify(sizes)).toBeLessThanOrEqual(size.box + 0.5);
      }
    } finally {
      await context.close();
    }
  }, 60_000);
});
