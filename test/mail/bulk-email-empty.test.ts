import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRecord, definition, insertRecord, insertSequence, T0 } from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { type MailWorld, startMailWorld } from '../support/mail-world.ts';

/**
 * A manual email step without a template has nothing to send to everyone: bulk preview says so for every record,
 * and bulk send queues nothing (delivery would otherwise hold each empty email, "The subject is empty").
 */
describe.each(dialects)('bulk email of a step without a template on %s', (dialect) => {
  let setup: MailWorld;
  beforeEach(async () => {
    setup = await startMailWorld(dialect, 'bulk-empty');
  });
  afterEach(() => setup.close());

  it('previews every record as empty and sends nothing', async () => {
    const { world, engine } = setup;
    const def = definition({
      start: 'e1',
      nodes: [{ id: 'e1', kind: 'email', name: 'Personal note', templateId: null, next: null }],
    });
    const { sequenceId } = await insertSequence(world.store, def);
    const stepIds: string[] = [];
    for (const email of ['ada@customer.test', 'grace@customer.test']) {
      const recordId = await insertRecord(world.store, { email });
      const connectionId = await connectRecord(world.store.db, { recordId, sequenceId, now: T0 });
      await engine.drain();
      const step = await world.store.db
        .selectFrom('step_instances')
        .select('id')
        .where('connection_id', '=', connectionId)
        .executeTakeFirstOrThrow();
      stepIds.push(step.id);
    }

    const preview = await world.as('eastSeller', 'POST', '/api/bulk-email/preview', { stepIds });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().recipients).toBe(0);
    expect(preview.json().problems.map((p: { code: string }) => p.code)).toEqual([
      'empty_message',
      'empty_message',
    ]);

    const sent = await world.as('eastSeller', 'POST', '/api/bulk-email/send', { stepIds });
    expect(sent.json().sent).toEqual([]);
    expect(sent.json().refused.map((p: { code: string }) => p.code)).toEqual([
      'empty_message',
      'empty_message',
    ]);
    const queued = await world.store.db.selectFrom('outbound_messages').select('id').execute();
    expect(queued).toEqual([]);
    const open = await world.store.db
      .selectFrom('step_instances')
      .select('status')
      .where('id', 'in', stepIds)
      .execute();
    expect(open.map((s) => s.status)).toEqual(['due', 'due']);
  });
});
