import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/domain/errors.ts';
import { ACTIVE_SEQUENCE_LIMIT } from '../../src/domain/sequence/lifecycle.ts';
import { activateSequence } from '../../src/store/repos/sequences-repo.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';

const VALID = { start: 'n1', nodes: [{ id: 'n1', kind: 'task', name: 'Say hello', next: null }] };

async function activeSequence(world: World, name: string) {
  const created = await world.as('eastSeller', 'POST', '/api/sequences', { name, description: 'Original' });
  const id = created.json().id as string;
  await world.as('eastSeller', 'PUT', `/api/sequences/${id}/definition`, VALID);
  const activated = await world.as('eastSeller', 'POST', `/api/sequences/${id}/activate`, {});
  expect(activated.statusCode).toBe(200);
  return { id, versionId: activated.json().activeVersion.id as string };
}

/** A record connected to the sequence's active version, with a due step and a pending wake-up. */
async function connectRecord(world: World, sequenceId: string, versionId: string, n: number) {
  const now = world.clock.now();
  const db = world.store.db;
  await db
    .insertInto('records')
    .values({
      org_id: ORG_ID,
      id: `rec-${n}`,
      type: 'lead',
      name: `Lead ${n}`,
      first_name: null,
      last_name: null,
      company: null,
      job_title: null,
      email: `lead${n}@example.com`,
      phone_business: null,
      phone_mobile: null,
      time_zone: null,
      status: 'open',
      stage: null,
      owner_id: USERS.eastSeller.id,
      business_unit_id: USERS.eastSeller.businessUnitId,
      do_not_email: 0,
      do_not_call: 0,
      custom_json: '{}',
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('connections')
    .values({
      org_id: ORG_ID,
      id: `conn-${n}`,
      record_id: `rec-${n}`,
      sequence_id: sequenceId,
      version_id: versionId,
      status: 'active',
      state_json: '{}',
      current_node_id: 'n1',
      reason: null,
      owner_id: USERS.eastSeller.id,
      connected_by: USERS.eastSeller.id,
      connected_at: now,
      ended_at: null,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('step_instances')
    .values({
      org_id: ORG_ID,
      id: `step-${n}`,
      connection_id: `conn-${n}`,
      record_id: `rec-${n}`,
      sequence_id: sequenceId,
      node_id: 'n1',
      kind: 'task',
      name: 'Say hello',
      status: 'due',
      owner_id: USERS.eastSeller.id,
      due_at: now,
      priority: 0,
      outcome: null,
      note: null,
      variant: null,
      completed_at: null,
      completed_by: null,
      read_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('scheduled_tasks')
    .values({
      org_id: ORG_ID,
      id: `task-${n}`,
      connection_id: `conn-${n}`,
      kind: 'timer',
      payload_json: '{}',
      idempotency_key: `conn-${n}:n1:timer`,
      due_at: now + 1000,
      status: 'pending',
      attempts: 0,
      last_error: null,
      lease_owner: null,
      lease_until: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

describe.each(dialects)('sequence lifecycle on %s', (dialect) => {
  it('keeps connected records on their version, edits only while allowed, deactivates with disconnect, copies and deletes', async () => {
    const world = await createWorld(dialect);
    try {
      const db = world.store.db;
      const { id, versionId } = await activeSequence(world, 'Lifecycle');
      await connectRecord(world, id, versionId, 1);

      // Name/description only while inactive; record type and owner are not accepted at all.
      const rename = await world.as('eastSeller', 'PATCH', `/api/sequences/${id}`, { name: 'Renamed' });
      expect(rename.statusCode).toBe(409);
      expect(rename.json().code).toBe('sequence_not_inactive');
      expect(
        (await world.as('eastSeller', 'PATCH', `/api/sequences/${id}`, { recordType: 'contact' })).statusCode,
      ).toBe(400);
      // An active draft cannot be saved before "Edit".
      expect(
        (await world.as('eastSeller', 'PUT', `/api/sequences/${id}/definition`, VALID)).json().code,
      ).toBe('sequence_active');

      // Another seller of the unit may view and copy, not edit; another unit sees nothing.
      const seen = await world.as('eastSeller2', 'GET', `/api/sequences/${id}`);
      expect(seen.statusCode).toBe(200);
      expect(seen.json().permissions).toMatchObject({
        edit: false,
        activate: false,
        copy: true,
        connect: true,
      });
      expect((await world.as('eastSeller', 'GET', `/api/sequences/${id}`)).json().permissions.edit).toBe(
        true,
      );
      const foreignEdit = await world.as('eastSeller2', 'POST', `/api/sequences/${id}/edit`);
      expect(foreignEdit.statusCode).toBe(403);
      expect(foreignEdit.json().problems[0].code).toBe('missing_permission:sequence.edit');
      expect((await world.as('westSeller', 'GET', `/api/sequences/${id}`)).statusCode).toBe(404);
      expect((await world.as('westSeller', 'GET', '/api/sequences')).json().items).toEqual([]);

      // Revision → version 2; the connected record stays on version 1, the sequence now hands out version 2.
      await world.as('eastSeller', 'POST', `/api/sequences/${id}/edit`);
      await world.as('eastSeller', 'PUT', `/api/sequences/${id}/definition`, {
        ...VALID,
        nodes: [{ ...VALID.nodes[0], name: 'Say hello warmly' }],
      });
      const v2 = await world.as('eastSeller', 'POST', `/api/sequences/${id}/activate`, {
        changeNote: 'Warmer',
      });
      expect(v2.json().version).toBe(2);
      const connection = await db
        .selectFrom('connections')
        .selectAll()
        .where('id', '=', 'conn-1')
        .executeTakeFirstOrThrow();
      expect(connection.version_id).toBe(versionId);
      const seq = await db.selectFrom('sequences').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(seq.active_version_id).not.toBe(versionId);

      const listed = await world.as('eastSeller', 'GET', '/api/sequences?status=active');
      expect(listed.json().items).toEqual([
        expect.objectContaining({
          id,
          connectedCount: 1,
          version: 2,
          ownerName: 'east.seller',
          status: 'active',
        }),
      ]);

      // Copy by another seller: full snapshot, inactive, owned by the copier.
      const copy = await world.as('eastSeller2', 'POST', `/api/sequences/${id}/copy`, {});
      expect(copy.statusCode).toBe(201);
      expect(copy.json()).toMatchObject({
        name: 'Copy of Lifecycle',
        status: 'inactive',
        ownerId: USERS.eastSeller2.id,
        description: 'Original',
        version: null,
      });
      expect(copy.json().definition.nodes[0].name).toBe('Say hello warmly');
      const dup = await world.as('eastSeller2', 'POST', `/api/sequences/${id}/copy`, {});
      expect(dup.statusCode).toBe(409);
      expect(dup.json().code).toBe('name_taken');

      // Deactivate with disconnect: connection ended, steps canceled, pending work gone, in one go.
      const off = await world.as('eastSeller', 'POST', `/api/sequences/${id}/deactivate`, {
        disconnectRecords: true,
      });
      expect(off.json()).toMatchObject({ status: 'inactive', disconnected: 1 });
      const ended = await db
        .selectFrom('connections')
        .selectAll()
        .where('id', '=', 'conn-1')
        .executeTakeFirstOrThrow();
      expect(ended).toMatchObject({
        status: 'disconnected',
        reason: 'sequence_deactivated',
        ended_at: world.clock.now(),
      });
      const step = await db
        .selectFrom('step_instances')
        .select('status')
        .where('id', '=', 'step-1')
        .executeTakeFirstOrThrow();
      expect(step.status).toBe('canceled');
      const pending = await db
        .selectFrom('scheduled_tasks')
        .select('id')
        .where('connection_id', '=', 'conn-1')
        .where('status', '=', 'pending')
        .execute();
      expect(pending).toEqual([]);

      // Inactive: now name and description may change.
      const renamed = await world.as('eastSeller', 'PATCH', `/api/sequences/${id}`, {
        name: 'Lifecycle (old)',
      });
      expect(renamed.json().name).toBe('Lifecycle (old)');
      // Re-activating unchanged reuses version 2 instead of adding a copy.
      expect((await world.as('eastSeller', 'POST', `/api/sequences/${id}/activate`, {})).json().version).toBe(
        2,
      );

      // Delete an active sequence with a live connection: deactivated, disconnected, gone with its versions.
      const second = await activeSequence(world, 'To delete');
      await connectRecord(world, second.id, second.versionId, 2);
      const deleted = await world.as('eastSeller', 'DELETE', `/api/sequences/${second.id}`);
      expect(deleted.json()).toEqual({ deleted: true, disconnected: 1 });
      expect((await world.as('eastSeller', 'GET', `/api/sequences/${second.id}`)).statusCode).toBe(404);
      expect(
        await db.selectFrom('sequence_versions').select('id').where('sequence_id', '=', second.id).execute(),
      ).toEqual([]);
      const conn2 = await db
        .selectFrom('connections')
        .select(['status', 'reason'])
        .where('id', '=', 'conn-2')
        .executeTakeFirstOrThrow();
      expect(conn2).toEqual({ status: 'disconnected', reason: 'sequence_deleted' });

      const actions = await db
        .selectFrom('audit_log')
        .select('action')
        .where('resource_type', '=', 'sequence')
        .execute();
      expect(new Set(actions.map((a) => a.action))).toEqual(
        new Set([
          'sequence.create',
          'sequence.save_draft',
          'sequence.activate',
          'sequence.start_revision',
          'sequence.copy',
          'sequence.deactivate',
          'sequence.update',
          'sequence.delete',
        ]),
      );
    } finally {
      await world.close();
    }
  });

  it(`allows at most ${ACTIVE_SEQUENCE_LIMIT} live sequences per organisation, also under concurrent activations`, async () => {
    const world = await createWorld(dialect);
    try {
      const now = world.clock.now();
      const row = (i: number, status: 'active' | 'inactive') => ({
        org_id: ORG_ID,
        id: `seq-${status}-${i}`,
        name: `Sequence ${status} ${i}`,
        description: '',
        record_type: 'lead' as const,
        owner_id: USERS.eastSeller.id,
        business_unit_id: USERS.eastSeller.businessUnitId,
        status,
        draft_json: JSON.stringify(VALID),
        active_version_id: null,
        is_template: 0 as const,
        created_at: now,
        updated_at: now,
      });
      const live = Array.from({ length: ACTIVE_SEQUENCE_LIMIT - 1 }, (_, i) => row(i, 'active'));
      for (let i = 0; i < live.length; i += 100) {
        await world.store.db
          .insertInto('sequences')
          .values(live.slice(i, i + 100))
          .execute();
      }
      await world.store.db
        .insertInto('sequences')
        .values(Array.from({ length: 5 }, (_, i) => row(i, 'inactive')))
        .execute();

      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          activateSequence(world.store, {
            orgId: ORG_ID,
            id: `seq-inactive-${i}`,
            actorId: USERS.eastSeller.id,
            now,
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refusals = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(refusals.map((r) => (r.reason as DomainError).code)).toEqual(
        Array(4).fill('active_limit_reached'),
      );

      // Through the API: a clear 409 with the code.
      const refused = await world.as('eastSeller', 'POST', '/api/sequences/seq-inactive-4/activate', {});
      const stillInactive =
        refused.statusCode === 409
          ? refused
          : await world.as('eastSeller', 'POST', '/api/sequences/seq-inactive-3/activate', {});
      expect(stillInactive.statusCode).toBe(409);
      expect(stillInactive.json().code).toBe('active_limit_reached');
      const count = await world.store.db
        .selectFrom('sequences')
        .select(world.store.db.fn.countAll<number>().as('n'))
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(ACTIVE_SEQUENCE_LIMIT);
    } finally {
      await world.close();
    }
  });
});
