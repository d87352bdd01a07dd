import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { signInWithSession } from './session-sign-in.ts';
import { startWalk, TASK_FLOW, type Walk } from './walk-support.ts';

/**
 * Issue 15, third part of the seller's walk in Chromium: what a seller reads (labels, Polish) and what they
 * can do without leaving the work list.
 */
const UNNAMED_FLOW: SequenceDefinition = {
  ...TASK_FLOW,
  start: 'call',
  nodes: [
    { id: 'call', kind: 'phone_call', next: 'sms' },
    { id: 'sms', kind: 'text_message', next: 'offer' },
    { id: 'offer', kind: 'task', name: 'Send the offer', next: null },
  ],
};

describe('a seller’s walk, fixed (issue 15), part 3', () => {
  let walk: Walk;
  beforeAll(async () => {
    walk = await startWalk('e2e-walk-worker-3');
  }, 60_000);
  afterAll(() => walk?.close());

  it('9. unnamed steps read as their translated kind, never as codes or English defaults (English and Polish)', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Unnamed steps', UNNAMED_FLOW);
    const recordId = await walk.createLead('eastSeller', 'Nora Label');
    await walk.connect('eastSeller', recordId, sequenceId);
    await walk.firstStep('eastSeller', recordId);
    const codes = /phone_call|text_message|Make a phone call|Send a text message/;

    for (const [locale, call, sms] of [
      ['en', 'Phone call', 'Text message'],
      ['pl', 'Rozmowa telefoniczna', 'Wiadomość SMS'],
    ] as const) {
      const { context, page } = await signInWithSession(walk.e2e, 'eastSeller', { locale });
      try {
        const item = page.getByTestId('work-item').filter({ hasText: 'Nora Label' });
        await item.waitFor();
        await expect(item.textContent()).resolves.toContain(call);
        await expect(item.textContent()).resolves.not.toMatch(codes);
        await item.getByRole('link', { name: 'Nora Label' }).click();
        const current = page.getByTestId('current-step');
        await current.getByText(call).waitFor();
        const upcoming = page.getByTestId('upcoming-steps');
        await upcoming.getByText(sms).waitFor();
        await expect(page.getByTestId('up-next').textContent()).resolves.not.toMatch(codes);
        await expect(upcoming.textContent()).resolves.toContain('Send the offer');
        await page.goto(`${walk.e2e.baseUrl}/sequences/${sequenceId}/connected`);
        const row = page.getByRole('row').filter({ hasText: 'Nora Label' });
        await row.getByText(call).waitFor();
        await expect(row.textContent()).resolves.not.toMatch(codes);
      } finally {
        await context.close();
      }
    }
  }, 90_000);
});
