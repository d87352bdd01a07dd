import { initialState, serializeState } from '../../src/domain/engine/state.ts';
import { connectedEventId, eventTaskRow } from '../../src/engine/write-effects.ts';
import type { Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import type { ConnectionsTable, RecordsTable, ScheduledTasksTable } from '../../src/store/schema.ts';
import { definition, insertSequence, ORG_ID, recordRow, SELLER, T0 } from '../engine/engine-fixtures.ts';
import { seedWorld } from '../support/world.ts';

/**
 * The crash tests' workload: every connection sends an email, waits a day, sets a field, then branches on a
 * custom field: gold → a second email and the end (completed), silver → a manual task (stays active).
 */
export const CONNECTIONS = 3000;

const def = definition({
  start: 'm1',
  nodes: [
    { id: 'm1', kind: 'automated_email', templateId: 'tpl-1', next: 'w' },
    { id: 'w', kind: 'wait', days: 1, hours: 0, next: 'u' },
    { id: 'u', kind: 'update_field', field: 'score', value: 'done', next: 'c' },
    {
      id: 'c',
      kind: 'condition_field',
      rule: {
        combine: 'and',
        groups: [{ combine: 'and', conditions: [{ field: 'tier', operator: 'eq', value: 'gold' }] }],
      },
      yes: 'm2',
      no: 't',
    },
    { id: 'm2', kind: 'automated_email', templateId: 'tpl-2', next: null },
    { id: 't', kind: 'task', next: null },
  ],
});

export async function seedCrashWorkload(store: Store): Promise<{ gold: Set<string> }> {
  await seedWorld(store, T0);
  const { sequenceId, versionId } = await insertSequence(store, def);
  const gold = new Set<string>();
  const records: RecordsTable[] = [];
  const connections: ConnectionsTable[] = [];
  const tasks: ScheduledTasksTable[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const tier = i % 3 === 0 ? 'gold' : 'silver';
    const record = recordRow({ email: `r${i}@example.com`, custom_json: JSON.stringify({ tier }) });
    const id = newId(T0);
    if (tier === 'gold') gold.add(id);
    records.push(record);
    connections.push({
      org_id: ORG_ID,
      id,
      record_id: record.id,
      sequence_id: sequenceId,
      version_id: versionId,
      status: 'active',
      state_json: serializeState(initialState()),
      current_node_id: null,
      reason: null,
      owner_id: SELLER,
      connected_by: SELLER,
      connected_at: T0,
      ended_at: null,
      updated_at: T0,
    });
    tasks.push(eventTaskRow(ORG_ID, id, { id: connectedEventId(id), type: 'connected' }, T0, T0));
  }
  for (let i = 0; i < CONNECTIONS; i += 500) {
    await store.db
      .insertInto('records')
      .values(records.slice(i, i + 500))
      .execute();
    await store.db
      .insertInto('connections')
      .values(connections.slice(i, i + 500))
      .execute();
    await store.db
      .insertInto('scheduled_tasks')
      .values(tasks.slice(i, i + 500))
      .execute();
  }
  return { gold };
}
