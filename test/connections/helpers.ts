import { testConfig } from '../../src/config.ts';
import { type SequenceDefinition, SequenceDefinitionSchema } from '../../src/domain/sequence/definition.ts';
import { runBulkJobs } from '../../src/engine/bulk-connect.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { newId } from '../../src/store/ids.ts';
import type { RecordsTable, SequenceStatus } from '../../src/store/schema.ts';
import { BU, ORG_ID, USERS, type World } from '../support/world.ts';

/**
 * Test helpers for connecting: sequences are inserted as rows (sequence + version + active_version_id) so these
 * tests do not depend on the sequence API; records are rows too (or created through the records API where the
 * test is about what happens when a record changes).
 */
export function def(input: {
  start: string | null;
  nodes: unknown[];
  options?: unknown;
}): SequenceDefinition {
  return SequenceDefinitionSchema.parse(input);
}

/** call → wait 1 day → email → task: the scenario most tests use. */
export const CALL_EMAIL_TASK = def({
  start: 'call',
  nodes: [
    {
      id: 'call',
      kind: 'phone_call',
      name: 'Intro call',
      description: 'Ask about their plans',
      next: 'wait',
    },
    { id: 'wait', kind: 'wait', name: 'Wait a day', days: 1, hours: 0, next: 'mail' },
    { id: 'mail', kind: 'email', name: 'Follow-up email', next: 'task' },
    { id: 'task', kind: 'task', name: 'Prepare proposal', next: null },
  ],
});

/** Manual steps only, no email: records without an address can be connected. */
export const CALLS_ONLY = def({
  start: 'c1',
  nodes: [
    { id: 'c1', kind: 'phone_call', name: 'First call', next: 'c2' },
    { id: 'c2', kind: 'linkedin_connect', name: 'Connect on LinkedIn', next: null },
  ],
});

let counter = 0;

export async function insertSequence(
  world: World,
  definition: SequenceDefinition,
  options: {
    status?: SequenceStatus;
    recordType?: RecordsTable['type'];
    name?: string;
    ownerId?: string;
    businessUnitId?: string;
  } = {},
): Promise<{ sequenceId: string; versionId: string }> {
  const now = world.clock.now();
  const sequenceId = newId(now);
  const versionId = newId(now);
  const status = options.status ?? 'active';
  await world.store.db
    .insertInto('sequences')
    .values({
      org_id: ORG_ID,
      id: sequenceId,
      name: options.name ?? `Sequence ${++counter}`,
      description: '',
      record_type: options.recordType ?? 'lead',
      owner_id: options.ownerId ?? USERS.eastSeller.id,
      business_unit_id: options.businessUnitId ?? BU.east,
      status,
      draft_json: JSON.stringify(definition),
      active_version_id: status === 'inactive' ? null : versionId,
      is_template: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await world.store.db
    .insertInto('sequence_versions')
    .values({
      org_id: ORG_ID,
      id: versionId,
      sequence_id: sequenceId,
      version: 1,
      definition_json: JSON.stringify(definition),
      change_note: null,
      created_by: USERS.eastSeller.id,
      created_at: now,
    })
    .execute();
  return { sequenceId, versionId };
}

export function recordRow(world: World, overrides: Partial<RecordsTable> = {}): RecordsTable {
  const now = world.clock.now();
  return {
    org_id: ORG_ID,
    id: newId(now),
    type: 'lead',
    name: `Lead ${++counter}`,
    first_name: null,
    last_name: null,
    company: 'Acme',
    job_title: null,
    email: `lead${counter}@example.com`,
    phone_business: null,
    phone_mobile: null,
    time_zone: 'Europe/Warsaw',
    status: 'open',
    stage: null,
    owner_id: USERS.eastSeller.id,
    business_unit_id: BU.east,
    do_not_email: 0,
    do_not_call: 0,
    custom_json: '{}',
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

export async function insertRecord(world: World, overrides: Partial<RecordsTable> = {}): Promise<string> {
  const row = recordRow(world, overrides);
  await world.store.db.insertInto('records').values(row).execute();
  return row.id;
}

/** Many records with multi-row inserts. */
export async function insertRecords(
  world: World,
  count: number,
  overrides: (i: number) => Partial<RecordsTable> = () => ({}),
): Promise<string[]> {
  const rows = Array.from({ length: count }, (_, i) => recordRow(world, overrides(i)));
  for (let i = 0; i < rows.length; i += 500) {
    await world.store.db
      .insertInto('records')
      .values(rows.slice(i, i + 500))
      .execute();
  }
  return rows.map((r) => r.id);
}

/** The engine's worker (no loop) and the bulk-job runner, driven by the world's fake clock. */
export function engineOf(world: World) {
  const worker = startEngineWorker(
    {
      store: world.store,
      clock: world.clock,
      logger: silentLogger,
      config: testConfig({ databaseUrl: world.store.url }),
      workerId: `test-${newId()}`,
    },
    { loop: false },
  );
  return {
    /** Runs bulk jobs, then everything the engine has due now. */
    async drain() {
      await runBulkJobs({ store: world.store, clock: world.clock });
      await worker.drain();
    },
    stop: () => worker.stop(),
  };
}

export async function stepsOfRecord(world: World, recordId: string) {
  return world.store.db
    .selectFrom('step_instances')
    .selectAll()
    .where('org_id', '=', ORG_ID)
    .where('record_id', '=', recordId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function liveConnection(world: World, recordId: string) {
  return world.store.db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', ORG_ID)
    .where('record_id', '=', recordId)
    .where('status', 'in', ['active', 'paused'])
    .executeTakeFirst();
}

export async function count(
  world: World,
  table: 'connections' | 'scheduled_tasks' | 'bulk_jobs' | 'segments',
) {
  const row = await world.store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
