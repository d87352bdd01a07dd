import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/engine/clock.ts';
import type { EngineWorker } from '../../src/engine/worker.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { connectNew, definition, T0 } from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { insertEmailTemplate, type MailWorld, startMailWorld } from '../support/mail-world.ts';
import type { World } from '../support/world.ts';
import type { LoopbackSmtp } from './mail-fixtures.ts';

/**
 * An automated email held for a placeholder without a value does not count as sent: its step is `held`, the
 * sequence waits (nothing after it is in the work list), and the seller releases it edited (sent as written,
 * the step completed, the sequence goes on) or cancels it (the step skipped, the sequence goes on).
 */
describe.each(dialects)('held automated email on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let engine: EngineWorker;
  let mail: MailDelivery;
  let setup: MailWorld;
  beforeEach(async () => {
    setup = await startMailWorld(dialect, 'held-engine');
    ({ world, smtp, engine, mail } = setup);
  });
  afterEach(() => setup.close());

  async function heldScenario() {
    const templateId = await insertEmailTemplate(world.store, {
      name: 'Intro',
      subject: 'Hello {{ record.first_name }}',
      bodyHtml: '<p>Hi {{ record.first_name }}, a short note.</p>',
    });
    const def = definition({
      start: 'a1',
      nodes: [
        { id: 'a1', kind: 'automated_email', name: 'Intro', templateId, next: 't1' },
        { id: 't1', kind: 'task', name: 'Book a meeting', next: null },
      ],
    });
    const { connectionId, recordId } = await connectNew(
      world.store,
      def,
      { email: 'jan@wisla.test', first_name: null, name: 'Jan Kowalski' },
      T0,
    );
    await engine.drain();
    await mail.drain();
    const outbox = await world.as('eastSeller', 'GET', `/api/outbox?recordId=${recordId}`);
    const held = outbox.json().items[0];
    expect(held).toMatchObject({ status: 'held' });
    expect(held.holdReason).toContain('first_name');
    return { connectionId, recordId, heldId: held.id as string };
  }

  const stepStatus = async (connectionId: string, nodeId: string) =>
    (
      await world.store.db
        .selectFrom('step_instances')
        .select('status')
        .where('connection_id', '=', connectionId)
        .where('node_id', '=', nodeId)
        .executeTakeFirst()
    )?.status;
  const worklistNames = async () =>
    ((await world.as('eastSeller', 'GET', '/api/worklist')).json().items as { step: { name: string } }[]).map(
      (item) => item.step.name,
    );

  it('keeps the step held and the sequence waiting; released as edited, it sends once and the sequence goes on', async () => {
    const { connectionId, recordId, heldId } = await heldScenario();
    expect(smtp.received).toHaveLength(0);
    expect(await stepStatus(connectionId, 'a1')).toBe('held');
    const upNext = (await world.as('eastSeller', 'GET', `/api/records/${recordId}/up-next`)).json();
    expect(JSON.stringify(upNext)).toContain('"status":"held"');
    expect(await worklistNames()).not.toContain('Book a meeting');
    // Resuming by hand would only hide the wait: the seller is told to send or cancel the held email.
    const resume = await world.as('eastSeller', 'POST', `/api/connections/${connectionId}/resume`, {});
    expect(resume.statusCode).toBe(409);
    expect(resume.json().code).toBe('held_email_pending');
    const bulk = await world.as('eastSeller', 'POST', '/api/connections/resume', {
      connectionIds: [connectionId],
    });
    expect(bulk.json()).toEqual({ changed: 0, results: [{ connectionId, status: 'held_email_pending' }] });

    const draft = await world.as('eastSeller', 'GET', `/api/outbox/${heldId}/draft`);
    expect(draft.statusCode).toBe(200);
    expect(draft.json()).toMatchObject({ to: 'jan@wisla.test', missing: ['record.first_name'] });
    expect((await world.as('westSeller', 'GET', `/api/outbox/${heldId}/draft`)).statusCode).toBe(404);

    const released = await world.as('eastSeller', 'POST', `/api/outbox/${heldId}/release`, {
      subject: 'Hello Jan',
      html: '<p>Hi Jan, a short note. {{ record.first_name }}</p>',
    });
    expect(released.statusCode).toBe(200);
    expect(released.json().status).toBe('queued');
    expect(await stepStatus(connectionId, 'a1')).toBe('completed');
    for (let i = 0; i < 3; i++) {
      await mail.drain();
      await engine.drain();
      world.clock.advance(MINUTE);
    }
    expect(smtp.received).toHaveLength(1);
    const sent = await simpleParser(smtp.received[0]!.raw);
    expect(sent.subject).toBe('Hello Jan');
    // Final content: sent as written, the braces are not rendered again.
    expect(sent.text).toContain('Hi Jan, a short note. {{ record.first_name }}');
    expect(await worklistNames()).toContain('Book a meeting');
    expect(
      (await world.as('eastSeller', 'POST', `/api/outbox/${heldId}/release`, { subject: 'x', html: 'y' }))
        .statusCode,
    ).toBe(409);
  });

  it('in the composer: the template source is previewed and rendered once on release, refused while still missing', async () => {
    const { connectionId, heldId } = await heldScenario();
    const draft = (await world.as('eastSeller', 'GET', `/api/outbox/${heldId}/draft`)).json();
    expect(draft.source.html).toContain('{{ record.first_name }}');
    const source = { subject: draft.source.subject, html: draft.source.html };
    const preview = await world.as('eastSeller', 'POST', `/api/outbox/${heldId}/draft/preview`, source);
    expect(preview.json().missing).toEqual(['record.first_name']);
    const refused = await world.as('eastSeller', 'POST', `/api/outbox/${heldId}/release`, {
      ...source,
      format: 'template',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('missing_placeholders');
    expect(await stepStatus(connectionId, 'a1')).toBe('held');

    const fixed = {
      subject: 'Hello {{ record.first_name | default: "Jan" }}',
      html: '<p>Hi {{ record.first_name | default: "Jan" }}, a short note.</p>',
    };
    const fixedPreview = (
      await world.as('eastSeller', 'POST', `/api/outbox/${heldId}/draft/preview`, fixed)
    ).json();
    expect(fixedPreview).toMatchObject({ subject: 'Hello Jan', missing: [], errors: [] });
    const released = await world.as('eastSeller', 'POST', `/api/outbox/${heldId}/release`, {
      ...fixed,
      format: 'template',
    });
    expect(released.statusCode).toBe(200);
    for (let i = 0; i < 3; i++) {
      await mail.drain();
      await engine.drain();
      world.clock.advance(MINUTE);
    }
    expect(smtp.received).toHaveLength(1);
    const sent = await simpleParser(smtp.received[0]!.raw);
    expect(sent.subject).toBe('Hello Jan');
    // What the preview showed is what went out (the tracking pixel of an automated email follows it).
    expect(String(sent.html).startsWith(fixedPreview.html)).toBe(true);
  });

  it('canceling a held email skips its step and the sequence goes on without it', async () => {
    const { connectionId, heldId } = await heldScenario();
    const canceled = await world.as('eastSeller', 'POST', `/api/outbox/${heldId}/cancel`);
    expect(canceled.statusCode).toBe(200);
    expect(await stepStatus(connectionId, 'a1')).toBe('skipped');
    await engine.drain();
    await mail.drain();
    expect(smtp.received).toHaveLength(0);
    expect(await worklistNames()).toContain('Book a meeting');
  });

  it('disconnecting the record while its email is held cancels both the email and the held step', async () => {
    const { connectionId, recordId, heldId } = await heldScenario();
    const disconnected = await world.as('eastSeller', 'POST', '/api/connections/disconnect', {
      recordIds: [recordId],
    });
    expect(disconnected.json()).toMatchObject({ disconnected: 1 });
    await engine.drain();
    expect((await world.as('eastSeller', 'GET', `/api/outbox/${heldId}`)).json().status).toBe('canceled');
    expect(await stepStatus(connectionId, 'a1')).toBe('canceled');
  });
});
