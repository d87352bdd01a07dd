import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { deliveryFor } from '../mail/mail-fixtures.ts';
import { signInWithSession } from './session-sign-in.ts';
import { refuseNativeDialogs, startWalk, TASK_FLOW, type Walk } from './walk-support.ts';

/**
 * The 10th session's sweep, continued: a held email pauses the sequence until the seller sends or cancels it;
 * Up next says so instead of offering a "Resume" that would only hide the wait.
 */
const MANUAL_EMAIL: SequenceDefinition = {
  ...TASK_FLOW,
  start: 'mail',
  nodes: [
    { id: 'mail', kind: 'email', name: 'First touch', templateId: null, next: 'task' },
    { id: 'task', kind: 'task', name: 'Prepare the offer', next: null },
  ],
};

describe('a new seller’s sweep (10th session), part 2', () => {
  let walk: Walk;
  let mail: MailDelivery;
  beforeAll(async () => {
    walk = await startWalk('e2e-walk-worker-5');
    mail = deliveryFor(walk.e2e.world.store, walk.e2e.world.clock);
  }, 60_000);
  afterAll(async () => {
    mail?.close();
    await walk?.close();
  });

  it('Up next explains a sequence waiting for its held email and offers no Resume (English and Polish)', async () => {
    const sequenceId = await walk.activeSequence('eastSeller', 'Held on an empty subject', MANUAL_EMAIL);
    const recordId = await walk.createLead('eastSeller', 'Hugo Held');
    await walk.connect('eastSeller', recordId, sequenceId);
    const stepId = await walk.firstStep('eastSeller', recordId);
    // An email with nothing in its subject is queued through the API and held by delivery ("The subject is empty").
    const sent = await walk.e2e.world.as('eastSeller', 'POST', '/api/bulk-email/send', { stepIds: [stepId] });
    expect(sent.statusCode, sent.body).toBe(200);
    await mail.drain();
    await expect
      .poll(async () => {
        const upNext = await walk.e2e.world.as('eastSeller', 'GET', `/api/records/${recordId}/up-next`);
        return upNext.json().connection?.status;
      })
      .toBe('paused');

    for (const [locale, wait, resume] of [
      ['en', 'Waiting for the held email', 'Resume'],
      ['pl', 'Czeka na wstrzymany e-mail', 'Wznów'],
    ] as const) {
      const { context, page } = await signInWithSession(walk.e2e, 'eastSeller', { locale });
      refuseNativeDialogs(page);
      try {
        await page.goto(`${walk.e2e.baseUrl}/record/${recordId}`);
        const upNext = page.getByTestId('up-next');
        await upNext.getByTestId('held-note').filter({ hasText: wait }).waitFor();
        await expect(upNext.getByRole('button', { name: resume }).count()).resolves.toBe(0);
        await expect(upNext.getByTestId('paused-note').count()).resolves.toBe(0);
      } finally {
        await context.close();
      }
    }
  }, 90_000);
});
