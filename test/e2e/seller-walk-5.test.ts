import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { deliveryFor } from '../mail/mail-fixtures.ts';
import { insertEmailTemplate } from '../support/mail-world.ts';
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
    // An automated email whose template needs a value the record does not have is held by delivery.
    const templateId = await insertEmailTemplate(walk.e2e.world.store, {
      name: 'Needs a job title',
      subject: 'About your work as {{ record.job_title }}',
      bodyHtml: '<p>Hello, {{ record.job_title }}.</p>',
    });
    const sequenceId = await walk.activeSequence('eastSeller', 'Held on a missing value', {
      ...MANUAL_EMAIL,
      start: 'auto',
      nodes: [
        { id: 'auto', kind: 'automated_email', name: 'First touch', templateId, next: 'task' },
        { id: 'task', kind: 'task', name: 'Prepare the offer', next: null },
      ],
    });
    const recordId = await walk.createLead('eastSeller', 'Hugo Held');
    await walk.connect('eastSeller', recordId, sequenceId);
    await expect
      .poll(
        async () =>
          (await walk.e2e.world.store.db.selectFrom('outbound_messages').select('id').execute()).length,
        { timeout: 20_000 },
      )
      .toBe(1);
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
