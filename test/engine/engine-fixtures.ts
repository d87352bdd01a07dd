import type { Kysely } from 'kysely';
import { testConfig } from '../../src/config.ts';
import { REFUSAL_MESSAGES } from '../../src/domain/connect/refusal.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { type SequenceDefinition, SequenceDefinitionSchema } from '../../src/domain/sequence/definition.ts';
import type { FakeClock } from '../../src/engine/clock.ts';
import { connectRecords } from '../../src/engine/connect-records.ts';
import { type EngineDeps, silentLogger } from '../../src/engine/engine-deps.ts';
import type { Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import {
  inTransaction,
  loadOrgPolicy,
  loadSequenceForConnect,
} from '../../src/store/repos/connections-repo.ts';
import { loadActor } from '../../src/store/repos/identity-repo.ts';
import type { Database, RecordsTable } from '../../src/store/schema.ts';
import { BU, ORG_ID, seedWorld, USERS } from '../support/world.ts';

export const SELLER = USERS.eastSeller.id;
/** Monday 5 January 2026, 09:00 UTC (10:00 in Warsaw). */
export const T0 = Date.UTC(2026, 0, 5, 9, 0);

export async function seedEngineWorld(store: Store, clock: FakeClock): Promise<EngineDeps> {
  await seedWorld(store, clock.now());
  return {
    store,
    clock,
    logger: silentLogger,
    config: testConfig({ databaseUrl: store.url }),
    workerId: `test-worker-${newId()}`,
  };
}

export function definition(input: {
  start: string | null;
  nodes: unknown[];
  options?: unknown;
}): SequenceDefinition {
  return SequenceDefinitionSchema.parse(input);
}

export async function insertSequence(
  store: Store,
  def: SequenceDefinition,
  options: { status?: 'active' | 'inactive'; now?: number } = {},
): Promise<{ sequenceId: string; versionId: string }> {
  const now = options.now ?? T0;
  const sequenceId = newId(now);
  const versionId = newId(now);
  await store.db
    .insertInto('sequences')
    .values({
      org_id: ORG_ID,
      id: sequenceId,
      name: `Sequence ${sequenceId}`,
      description: '',
      record_type: 'lead',
      owner_id: SELLER,
      business_unit_id: BU.east,
      status: options.status ?? 'active',
      draft_json: JSON.stringify(def),
      active_version_id: options.status === 'inactive' ? null : versionId,
      is_template: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await store.db
    .insertInto('sequence_versions')
    .values({
      org_id: ORG_ID,
      id: versionId,
      sequence_id: sequenceId,
      version: 1,
      definition_json: JSON.stringify(def),
      change_note: null,
      created_by: SELLER,
      created_at: now,
    })
    .execute();
  return { sequenceId, versionId };
}

export function recordRow(overrides: Partial<RecordsTable> = {}, now = T0): RecordsTable {
  return {
    org_id: ORG_ID,
    id: newId(now),
    type: 'lead',
    name: 'Ada Lovelace',
    first_name: 'Ada',
    last_name: 'Lovelace',
    company: 'Analytical',
    job_title: null,
    email: 'ada@example.com',
    phone_business: null,
    phone_mobile: null,
    time_zone: 'Europe/Warsaw',
    status: 'open',
    stage: 'qualify',
    owner_id: SELLER,
    business_unit_id: BU.east,
    do_not_email: 0,
    do_not_call: 0,
    custom_json: '{}',
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

export async function insertRecord(store: Store, overrides: Partial<RecordsTable> = {}): Promise<string> {
  const row = recordRow(overrides);
  await store.db.insertInto('records').values(row).execute();
  return row.id;
}

/** A record connected to a fresh sequence with `def`. */
export async function connectNew(
  store: Store,
  def: SequenceDefinition,
  record: Partial<RecordsTable> = {},
  now = T0,
): Promise<{ connectionId: string; recordId: string; sequenceId: string; versionId: string }> {
  const { sequenceId, versionId } = await insertSequence(store, def);
  const recordId = await insertRecord(store, record);
  const connectionId = await connectRecord(store.db, { recordId, sequenceId, now });
  return { connectionId, recordId, sequenceId, versionId };
}

/**
 * Connects one record through the production path (`connectRecords`, as the API does) on behalf of `userId`
 * (the seller by default); a refusal is thrown as a DomainError whose code is the refusal reason.
 */
export async function connectRecord(
  db: Kysely<Database>,
  input: { recordId: string; sequenceId: string; now: number; userId?: string; orgId?: string },
): Promise<string> {
  const orgId = input.orgId ?? ORG_ID;
  const [actor, sequence, policy] = await Promise.all([
    loadActor(db, orgId, input.userId ?? SELLER),
    loadSequenceForConnect(db, orgId, input.sequenceId),
    loadOrgPolicy(db, orgId),
  ]);
  if (!actor || !sequence) throw new Error('connectRecord: unknown user or sequence');
  const [outcome] = await inTransaction(db, (trx) =>
    connectRecords(trx, {
      orgId,
      sequence,
      actor,
      policy,
      recordIds: [input.recordId],
      now: input.now,
      source: 'manual',
    }),
  );
  if (outcome?.status !== 'connected') {
    const reason = outcome?.reason ?? 'not_found';
    throw new DomainError('conflict', reason, REFUSAL_MESSAGES[reason]);
  }
  return outcome.connectionId;
}

export async function connectionRow(store: Store, id: string) {
  return store.db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', ORG_ID)
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

export async function stepsOf(store: Store, connectionId: string) {
  return store.db
    .selectFrom('step_instances')
    .selectAll()
    .where('org_id', '=', ORG_ID)
    .where('connection_id', '=', connectionId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function emailsOf(store: Store, connectionId: string) {
  return store.db
    .selectFrom('outbound_messages')
    .selectAll()
    .where('org_id', '=', ORG_ID)
    .where('connection_id', '=', connectionId)
    .execute();
}

export { ORG_ID };
