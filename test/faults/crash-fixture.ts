import { connectRecords } from '../../src/engine/connect-records.ts';
import type { Store } from '../../src/store/db.ts';
import { loadOrgPolicy, loadSequenceForConnect } from '../../src/store/repos/connections-repo.ts';
import { loadActor } from '../../src/store/repos/identity-repo.ts';
import type { RecordsTable } from '../../src/store/schema.ts';
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

export async function seedCrashWorkload(
  store: Store,
  connections = CONNECTIONS,
): Promise<{ gold: Set<string> }> {
  await seedWorld(store, T0);
  const { sequenceId } = await insertSequence(store, def);
  const records: RecordsTable[] = [];
  for (let i = 0; i < connections; i++) {
    const tier = i % 3 === 0 ? 'gold' : 'silver';
    records.push(recordRow({ email: `r${i}@example.com`, custom_json: JSON.stringify({ tier }) }));
  }
  for (let i = 0; i < connections; i += 500) {
    await store.db
      .insertInto('records')
      .values(records.slice(i, i + 500))
      .execute();
  }
  // Connected as production connects (the API, bulk jobs): one connectRecords call, connections and their
  // `connected` events written together.
  const [actor, sequence, policy] = await Promise.all([
    loadActor(store.db, ORG_ID, SELLER),
    loadSequenceForConnect(store.db, ORG_ID, sequenceId),
    loadOrgPolicy(store.db, ORG_ID),
  ]);
  const outcomes = await store.db.transaction().execute((trx) =>
    connectRecords(trx, {
      orgId: ORG_ID,
      sequence: sequence!,
      actor: actor!,
      policy,
      recordIds: records.map((r) => r.id),
      records,
      now: T0,
      source: 'manual',
    }),
  );
  const gold = new Set<string>();
  outcomes.forEach((outcome, i) => {
    if (outcome.status !== 'connected') throw new Error(`record ${i} was refused: ${outcome.reason}`);
    if (i % 3 === 0) gold.add(outcome.connectionId);
  });
  return { gold };
}
