import { describe, expect, it } from 'vitest';
import { dialects, freshStore } from '../../../test/support/databases.ts';
import { ORG_ID, seedWorld, USERS } from '../../../test/support/world.ts';
import type { Database } from '../schema.ts';
import { findStepInstance, markStepRead, stepsOfConnection } from './step-instances.ts';

const NOW = 1_800_000_000_000;

function step(id: string, overrides: Partial<Database['step_instances']> = {}): Database['step_instances'] {
  return {
    org_id: ORG_ID,
    id,
    connection_id: 'c1',
    record_id: 'r1',
    sequence_id: 's1',
    node_id: `n-${id}`,
    kind: 'phone_call',
    name: `Step ${id}`,
    status: 'due',
    owner_id: USERS.eastSeller.id,
    due_at: NOW,
    priority: 0,
    outcome: null,
    note: null,
    variant: null,
    completed_at: null,
    completed_by: null,
    read_at: null,
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

describe.each(dialects)('step instances on %s', (dialect) => {
  it('finds, lists with the completer and marks read once', async () => {
    const store = await freshStore(dialect);
    try {
      await seedWorld(store, NOW);
      const db = store.db;
      await db
        .insertInto('step_instances')
        .values([
          step('b', { created_at: NOW + 2 }),
          step('a', {
            status: 'completed',
            completed_at: NOW + 1,
            completed_by: USERS.eastSeller2.id,
            outcome: 'connected',
          }),
          step('c', { connection_id: 'c2' }),
          { ...step('d'), org_id: 'org-2' },
        ])
        .execute();

      expect((await findStepInstance(db, ORG_ID, 'a'))?.outcome).toBe('connected');
      expect(await findStepInstance(db, ORG_ID, 'd')).toBeUndefined();

      const steps = await stepsOfConnection(db, ORG_ID, 'c1');
      expect(steps.map((s) => [s.id, s.completed_by_name])).toEqual([
        ['a', 'east.seller2'],
        ['b', null],
      ]);

      expect(await markStepRead(db, ORG_ID, 'b', NOW + 5)).toBe(true);
      expect(await markStepRead(db, ORG_ID, 'b', NOW + 9)).toBe(false);
      expect(await markStepRead(db, 'org-2', 'c', NOW + 9)).toBe(false);
      const read = await findStepInstance(db, ORG_ID, 'b');
      expect([read?.read_at, read?.updated_at]).toEqual([NOW + 5, NOW + 5]);
      expect((await findStepInstance(db, ORG_ID, 'c'))?.read_at).toBeNull();
    } finally {
      await store.close();
    }
  });
});
