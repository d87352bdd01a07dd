import { randomBytes } from 'node:crypto';
import { type ExpressionBuilder, type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import { type ConnectRefusal, connectRefusal } from '../domain/connect/refusal.ts';
import { type RecordScope, recordScopeFor } from '../domain/connect/scope.ts';
import { initialState, serializeState } from '../domain/engine/state.ts';
import { matchesFieldRule, recordFieldValues } from '../domain/fields/evaluate.ts';
import type { Actor } from '../domain/identity.ts';
import { decideRecord, type OrgPolicy } from '../domain/permissions/permissions.ts';
import { FieldRuleSchema } from '../domain/sequence/definition.ts';
import type { Store } from '../store/db.ts';
import { isDatabaseUnavailable } from '../store/db-errors.ts';
import { newId } from '../store/ids.ts';
import { recordAudit } from '../store/repos/audit-repo.ts';
import {
  findRecords,
  loadOrgPolicy,
  loadSequenceForConnect,
  openRecordsQuery,
  type RecordRow,
  recordsWithLiveConnection,
  type SequenceForConnect,
} from '../store/repos/connections-repo.ts';
import { loadActor } from '../store/repos/identity-repo.ts';
import { findSuppressions, suppressionAddress } from '../store/repos/suppressions-repo.ts';
import type { Database } from '../store/schema.ts';
import type { Clock } from './clock.ts';
import { eventTaskKey } from './enqueue-event.ts';

/**
 * Connecting many records at once. `connectRecordBatch` is the one code path: it decides every record's refusal
 * with the pure rules, then writes the connections, their `connected` events and timeline entries with
 * multi-row statements (a few statements per thousand records). The engine writes the timeline entry when it
 * applies the `connected` event. Requests of up to 1,000 ids call it inline;
 * larger ones and filters become a `bulk_jobs` row that `runBulkJobs` works through in chunks, each chunk one
 * transaction that also advances the job's cursor, under a lease, so a crashed worker's job is resumed exactly
 * where its last committed chunk ended.
 */
export type ConnectOutcome =
  | { recordId: string; status: 'connected'; connectionId: string }
  | { recordId: string; status: 'refused'; reason: ConnectRefusal };

export interface ConnectBatchInput {
  orgId: string;
  sequence: SequenceForConnect;
  actor: Actor;
  policy: OrgPolicy;
  /** The records asked for, in order; `undefined` entries are ids that do not exist. */
  requested: { recordId: string; record: RecordRow | undefined }[];
  now: number;
  /** Written to the audit log and the timeline: `manual`, `bulk_job`, `segment:<id>`. */
  source: string;
  /** Leave out records that already have a live connection instead of refusing them ("without a sequence"). */
  skipConnected?: boolean;
}

/** Connects what may be connected and reports every record's outcome. Run it inside a transaction. */
export async function connectRecordBatch(
  db: Kysely<Database>,
  input: ConnectBatchInput,
): Promise<ConnectOutcome[]> {
  const { sequence, actor, policy, now } = input;
  const live = await recordsWithLiveConnection(
    db,
    input.orgId,
    input.requested.filter((r) => r.record).map((r) => r.recordId),
  );
  const suppressed = sequence.hasEmailSteps
    ? await findSuppressions(
        db,
        input.orgId,
        input.requested.flatMap((r) => (r.record?.email ? [r.record.email] : [])),
      )
    : new Map();
  const outcomes: ConnectOutcome[] = [];
  const accepted: { index: number; record: RecordRow; connectionId: string }[] = [];
  const seen = new Set<string>();
  for (const { recordId, record } of input.requested) {
    if (input.skipConnected && record && live.has(record.id)) continue;
    const duplicate = seen.has(recordId);
    seen.add(recordId);
    const reason = duplicate
      ? 'already_connected'
      : connectRefusal(
          {
            connectable: sequence.connectable,
            recordType: sequence.recordType,
            hasEmailSteps: sequence.hasEmailSteps,
          },
          record && {
            type: record.type,
            status: record.status,
            email: record.email,
            doNotEmail: record.do_not_email === 1,
            suppressed: record.email ? suppressed.has(suppressionAddress(record.email)) : false,
            businessUnitId: record.business_unit_id,
            hasLiveConnection: live.has(record.id),
            permission: decideRecord(actor, policy, 'connect', {
              ownerId: record.owner_id,
              businessUnitId: record.business_unit_id,
            }),
          },
          actor.businessUnitId,
        );
    if (reason || !record) {
      outcomes.push({ recordId, status: 'refused', reason: reason ?? 'not_found' });
      continue;
    }
    accepted.push({ index: outcomes.length, record, connectionId: '' });
    outcomes.push({ recordId, status: 'connected', connectionId: '' });
  }
  if (accepted.length === 0) return outcomes;
  const ids = monotonicIds(now, accepted.length);
  accepted.forEach((a, i) => {
    a.connectionId = ids[i]!;
    outcomes[a.index] = { recordId: a.record.id, status: 'connected', connectionId: a.connectionId };
  });

  const versionId = sequence.activeVersionId!;
  const state = serializeState(initialState());
  const inserted = new Set<string>();
  for (let i = 0; i < accepted.length; i += CHUNK) {
    const part = accepted.slice(i, i + CHUNK);
    // ON CONFLICT DO NOTHING: a record connected meanwhile by someone else hits the one-live-connection index
    // and is reported as already connected instead of failing the whole batch.
    const values = part.map(({ record, connectionId }) => ({
      org_id: input.orgId,
      id: connectionId,
      record_id: record.id,
      sequence_id: sequence.id,
      version_id: versionId,
      status: 'active' as const,
      state_json: state,
      current_node_id: null,
      reason: null,
      owner_id: record.owner_id,
      connected_by: actor.userId,
      connected_at: now,
      ended_at: null,
      updated_at: now,
    }));
    const rows = isPostgres(db)
      ? await unnestInsert(
          db,
          'connections',
          values,
          CONNECTION_TYPES,
          sql`on conflict do nothing returning id`,
        )
      : await db
          .insertInto('connections')
          .values(values)
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .execute();
    for (const row of rows) inserted.add(row.id);
  }
  const connected = accepted.filter((a) => inserted.has(a.connectionId));
  for (const lost of accepted.filter((a) => !inserted.has(a.connectionId))) {
    outcomes[lost.index] = { recordId: lost.record.id, status: 'refused', reason: 'already_connected' };
  }
  for (let i = 0; i < connected.length; i += CHUNK) {
    const part = connected.slice(i, i + CHUNK);
    if (part.length === 0) continue;
    const taskIds = monotonicIds(now, part.length);
    const values = part.map(({ connectionId }, i) => {
      const eventId = `connected:${connectionId}`;
      return {
        org_id: input.orgId,
        id: taskIds[i]!,
        connection_id: connectionId,
        kind: 'event',
        payload_json: JSON.stringify({ id: eventId, type: 'connected' }),
        idempotency_key: eventTaskKey(eventId),
        due_at: now,
        status: 'pending' as const,
        attempts: 0,
        last_error: null,
        lease_owner: null,
        lease_until: null,
        created_at: now,
        updated_at: now,
      };
    });
    if (isPostgres(db)) {
      await unnestInsert(
        db,
        'scheduled_tasks',
        values,
        TASK_TYPES,
        sql`on conflict (org_id, idempotency_key) do nothing`,
      );
    } else {
      await db
        .insertInto('scheduled_tasks')
        .values(values)
        .onConflict((oc) => oc.columns(['org_id', 'idempotency_key']).doNothing())
        .execute();
    }
  }
  if (connected.length > 0) {
    await recordAudit(db, {
      orgId: input.orgId,
      actorId: actor.userId,
      action: 'connection.create',
      resourceType: 'sequence',
      resourceId: sequence.id,
      after: {
        source: input.source,
        versionId,
        connections: connected.map((c) => ({ recordId: c.record.id, connectionId: c.connectionId })),
      },
      at: now,
    });
  }
  return outcomes;
}

const CHUNK = 1000;

// ── Multi-row inserts: the one dialect difference ───────────────────────────────────────────────────────────
// PostgreSQL binds one array per column (`INSERT … SELECT * FROM unnest($1::text[], …)`) instead of one
// parameter per value: a 1,000-row statement has 14 parameters, not 14,000, which parses and plans much faster.
// SQLite, in process, takes ordinary multi-row VALUES.

type PgType = 'text' | 'bigint' | 'integer';
const CONNECTION_TYPES: Record<string, PgType> = {
  connected_at: 'bigint',
  ended_at: 'bigint',
  updated_at: 'bigint',
};
const TASK_TYPES: Record<string, PgType> = {
  due_at: 'bigint',
  attempts: 'integer',
  lease_until: 'bigint',
  created_at: 'bigint',
  updated_at: 'bigint',
};

function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

async function unnestInsert(
  db: Kysely<Database>,
  table: 'connections' | 'scheduled_tasks',
  rows: Record<string, string | number | null>[],
  types: Record<string, PgType>,
  tail: RawBuilder<unknown>,
): Promise<{ id: string }[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  const arrays = columns.map(
    (column) => sql`${rows.map((row) => row[column] ?? null)}::${sql.raw(types[column] ?? 'text')}[]`,
  );
  const result = await sql<{ id: string }>`insert into ${sql.table(table)} (${sql.join(
    columns.map((column) => sql.ref(column)),
  )}) select * from unnest(${sql.join(arrays)}) ${tail}`.execute(db);
  return result.rows;
}

let lastMs = 0;
let counter = 0;

/**
 * `count` UUIDv7 ids (the format of `newId`) that increase strictly within this process, even when the clock
 * stands still (RFC 9562 §6.2, method 1: a 12-bit counter in `rand_a`; past 4,096 ids in one millisecond the
 * timestamp moves on by one). Ascending ids append to the primary-key indexes instead of landing at random
 * places, which keeps multi-row inserts of 100,000 connections fast. One random buffer for the whole batch.
 */
export function monotonicIds(now: number, count: number): string[] {
  const random = randomBytes(8 * count);
  const ids: string[] = new Array(count);
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < count; i++) {
    if (now > lastMs) {
      lastMs = now;
      counter = 0;
    } else if (++counter > 0xfff) {
      lastMs++;
      counter = 0;
    }
    bytes.writeUIntBE(lastMs, 0, 6);
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    random.copy(bytes, 8, 8 * i, 8 * i + 8);
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    ids[i] =
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return ids;
}

/** Connects a list of ids (inline requests, and each chunk of an id-list job). */
export async function connectRecordIds(
  db: Kysely<Database>,
  input: Omit<ConnectBatchInput, 'requested'> & { recordIds: string[] },
): Promise<ConnectOutcome[]> {
  const records = await findRecords(db, input.orgId, input.recordIds);
  const byId = new Map(records.map((r) => [r.id, r]));
  return connectRecordBatch(db, {
    ...input,
    requested: input.recordIds.map((recordId) => ({ recordId, record: byId.get(recordId) })),
  });
}

// ── Bulk jobs ───────────────────────────────────────────────────────────────────────────────────────────────

export const ConnectFilterSchema = z.strictObject({
  /** `open_without_sequence` (default): open records of the sequence's type with no live connection. */
  view: z.enum(['open_without_sequence', 'open']).default('open_without_sequence'),
  /** Only records matching these field conditions. */
  rule: FieldRuleSchema.optional(),
  /** Only records of this owner. */
  ownerId: z.string().min(1).max(100).optional(),
});
export type ConnectFilter = z.infer<typeof ConnectFilterSchema>;

const JobParamsSchema = z.object({
  sequenceId: z.string(),
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('ids'), recordIds: z.array(z.string()) }),
    z.object({ kind: z.literal('filter'), filter: ConnectFilterSchema }),
  ]),
});
export type ConnectJobParams = z.infer<typeof JobParamsSchema>;

/** At most this many refusals are kept per job with their record ids; counts per reason are always exact. */
export const MAX_LISTED_REFUSALS = 10_000;

export interface ConnectJobResult {
  /** Position reached: an index into the id list, or the last record id scanned by a filter. */
  cursor: number | string | null;
  byReason: Partial<Record<ConnectRefusal, number>>;
  refusals: { recordId: string; reason: ConnectRefusal }[];
  refusalsTruncated: boolean;
}

export function parseJobResult(json: string): ConnectJobResult {
  const empty: ConnectJobResult = { cursor: null, byReason: {}, refusals: [], refusalsTruncated: false };
  try {
    const parsed = JSON.parse(json) as Partial<ConnectJobResult> | unknown[];
    if (Array.isArray(parsed) || !parsed) return empty;
    return { ...empty, ...parsed };
  } catch {
    return empty;
  }
}

export const CONNECT_JOB_KIND = 'connect';

/** Queues a bulk connect; the request returns at once with the job id. */
export async function createConnectJob(
  db: Kysely<Database>,
  input: { orgId: string; actorId: string; params: ConnectJobParams; now: number },
): Promise<string> {
  const id = newId(input.now);
  const result: ConnectJobResult = { cursor: null, byReason: {}, refusals: [], refusalsTruncated: false };
  await db
    .insertInto('bulk_jobs')
    .values({
      org_id: input.orgId,
      id,
      kind: CONNECT_JOB_KIND,
      status: 'queued',
      params_json: JSON.stringify(input.params),
      total: input.params.source.kind === 'ids' ? input.params.source.recordIds.length : 0,
      processed: 0,
      succeeded: 0,
      failed: 0,
      result_json: JSON.stringify(result),
      created_by: input.actorId,
      lease_owner: null,
      lease_until: null,
      created_at: input.now,
      updated_at: input.now,
    })
    .execute();
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'bulk_job.create',
    resourceType: 'bulk_job',
    resourceId: id,
    after: {
      kind: CONNECT_JOB_KIND,
      sequenceId: input.params.sequenceId,
      source:
        input.params.source.kind === 'ids'
          ? { kind: 'ids', count: input.params.source.recordIds.length }
          : input.params.source,
    },
    at: input.now,
  });
  return id;
}

export interface BulkJobDeps {
  store: Store;
  clock: Clock;
  /** Written into `lease_owner`; unique per process. */
  workerId?: string;
  /** Records per chunk (per transaction). */
  chunkSize?: number;
  leaseMs?: number;
  /** Stop after this many chunks (tests use it to leave a job half done, as a crash would). */
  maxChunks?: number;
  /** Work on this job only (the CLI runs the job it created and shows its progress). */
  jobId?: string;
  /**
   * Aborted at shutdown: the run returns after the chunk in hand; the job stays leased to this worker and resumes
   * at its cursor (here after a restart with the same worker id, elsewhere once the lease ends).
   */
  signal?: AbortSignal;
}

class LeaseLost extends Error {}

/**
 * Works through every claimable connect job (queued, or running with an expired lease) until none is left or
 * `maxChunks` is reached. Returns the number of jobs finished. Safe to run in several processes at once: a job
 * is claimed with a conditional update, and each chunk commits only while its lease is still held.
 */
export async function runBulkJobs(deps: BulkJobDeps): Promise<number> {
  const workerId = deps.workerId ?? `bulk-${process.pid}-${newId()}`;
  const leaseMs = deps.leaseMs ?? 60_000;
  let chunksLeft = deps.maxChunks ?? Number.POSITIVE_INFINITY;
  let finished = 0;
  for (;;) {
    if (chunksLeft <= 0 || deps.signal?.aborted) return finished;
    const job = await claimJob(deps.store.db, workerId, deps.clock.now(), leaseMs, deps.jobId);
    if (!job) return finished;
    try {
      for (;;) {
        if (chunksLeft <= 0 || deps.signal?.aborted) return finished;
        chunksLeft--;
        const done = await runChunk(deps, job, workerId, leaseMs);
        if (done) {
          finished++;
          break;
        }
      }
    } catch (error) {
      if (error instanceof LeaseLost) continue;
      // The database went away mid-chunk: the chunk rolled back and the job stays leased to this worker, which
      // claims it again (or another worker after the lease) once the database is back. Not the job's fault.
      if (isDatabaseUnavailable(error)) throw error;
      await failJob(deps.store.db, job, workerId, deps.clock.now(), error);
    }
  }
}

/** Polls for bulk jobs in the background; `drain()` runs everything claimable now. */
export function startBulkJobRunner(
  deps: BulkJobDeps & { pollMs?: number; onError?: (error: unknown) => void },
) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let failures = 0;
  const stopping = new AbortController();
  const tick = async () => {
    if (stopped) return;
    const pollMs = deps.pollMs ?? 1000;
    let pause = pollMs;
    running = runBulkJobs({ ...deps, signal: stopping.signal }).then(
      () => {
        failures = 0;
      },
      (error: unknown) => {
        failures++;
        pause = Math.max(pollMs, Math.min(pollMs * 2 ** Math.min(failures, 10), 5_000));
        deps.onError?.(error);
      },
    );
    await running;
    if (!stopped) timer = setTimeout(tick, pause);
  };
  timer = setTimeout(tick, 0);
  return {
    drain: () => runBulkJobs(deps),
    async stop() {
      stopped = true;
      stopping.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

interface ClaimedJob {
  orgId: string;
  id: string;
}

async function claimJob(
  db: Kysely<Database>,
  workerId: string,
  now: number,
  leaseMs: number,
  jobId: string | undefined,
): Promise<ClaimedJob | undefined> {
  // Claimable: queued, or running with an expired lease, or still leased to this very worker.
  const claimable = (eb: ExpressionBuilder<Database, 'bulk_jobs'>) =>
    eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', workerId)]);
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = await db
      .selectFrom('bulk_jobs')
      .select(['org_id', 'id'])
      .where('kind', '=', CONNECT_JOB_KIND)
      .where('status', 'in', ['queued', 'running'])
      .where(claimable)
      .$if(jobId !== undefined, (q) => q.where('id', '=', jobId!))
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    if (!candidate) return undefined;
    const claimed = await db
      .updateTable('bulk_jobs')
      .set({ status: 'running', lease_owner: workerId, lease_until: now + leaseMs, updated_at: now })
      .where('org_id', '=', candidate.org_id)
      .where('id', '=', candidate.id)
      .where('status', 'in', ['queued', 'running'])
      .where(claimable)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 1) return { orgId: candidate.org_id, id: candidate.id };
  }
  return undefined;
}

const paramsCache = new Map<string, ConnectJobParams>();

/** One chunk in one transaction; true when the job is done. */
async function runChunk(
  deps: BulkJobDeps,
  job: ClaimedJob,
  workerId: string,
  leaseMs: number,
): Promise<boolean> {
  const chunkSize = deps.chunkSize ?? 2000;
  return deps.store.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const cached = paramsCache.get(job.id);
    const row = await trx
      .selectFrom('bulk_jobs')
      .select([
        'total',
        'processed',
        'succeeded',
        'failed',
        'result_json',
        'created_by',
        'lease_owner',
        'status',
        'created_at',
      ])
      .$if(cached === undefined, (q) => q.select('params_json'))
      .where('org_id', '=', job.orgId)
      .where('id', '=', job.id)
      .executeTakeFirst();
    if (!row || row.lease_owner !== workerId || row.status !== 'running') throw new LeaseLost();
    // A list of 100,000 ids is parsed once per job and process, not once per chunk.
    const params = cached ?? JobParamsSchema.parse(JSON.parse((row as { params_json: string }).params_json));
    if (!cached) {
      if (paramsCache.size >= 8) paramsCache.delete(paramsCache.keys().next().value!);
      paramsCache.set(job.id, params);
    }
    const result = parseJobResult(row.result_json);
    const actor = await loadActor(trx, job.orgId, row.created_by);
    const sequence = await loadSequenceForConnect(trx, job.orgId, params.sequenceId);
    let total = row.total;
    let requested: { recordId: string; record: RecordRow | undefined }[];
    let nextCursor: number | string | null;
    let done: boolean;
    let scanned: number;

    if (!actor || !sequence) {
      // The user was deactivated or the sequence deleted: nothing more may be connected on their behalf.
      await finish(
        trx,
        job,
        { ...row, status: 'failed' },
        result,
        now,
        'The job’s user or sequence no longer exists',
      );
      return true;
    }
    const policy = await loadOrgPolicy(trx, job.orgId);
    if (params.source.kind === 'ids') {
      const start = typeof result.cursor === 'number' ? result.cursor : 0;
      const ids = params.source.recordIds.slice(start, start + chunkSize);
      const records = await findRecords(trx, job.orgId, ids);
      const byId = new Map(records.map((r) => [r.id, r]));
      requested = ids.map((recordId) => ({ recordId, record: byId.get(recordId) }));
      nextCursor = start + ids.length;
      done = nextCursor >= params.source.recordIds.length;
      scanned = ids.length;
    } else {
      const filter = params.source.filter;
      const scope: RecordScope = recordScopeFor(actor, policy);
      const base = (withoutSequence: boolean) =>
        openRecordsQuery(trx, {
          orgId: job.orgId,
          recordType: sequence.recordType,
          withoutSequence,
          scope,
        }).where((eb) => (filter.ownerId ? eb('r.owner_id', '=', filter.ownerId) : eb.lit(true)));
      if (result.cursor === null && total === 0) {
        const counted = await base(false)
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .executeTakeFirstOrThrow();
        total = Number(counted.n);
      }
      const after = typeof result.cursor === 'string' ? result.cursor : null;
      // A plain range scan over the records in id order; records with a live connection are left out by the
      // batch (one indexed lookup per chunk) rather than by an anti-join the planner might run per chunk.
      const records = await base(false)
        .selectAll('r')
        .where((eb) => (after === null ? eb.lit(true) : eb('r.id', '>', after)))
        .orderBy('r.id')
        .limit(chunkSize)
        .execute();
      scanned = records.length;
      const matching = filter.rule
        ? records.filter((record) => matchesFieldRule(filter.rule!, recordFieldValues(record)))
        : records;
      requested = matching.map((record) => ({ recordId: record.id, record }));
      nextCursor = records.at(-1)?.id ?? after;
      done = records.length < chunkSize;
    }

    const outcomes = await connectRecordBatch(trx, {
      orgId: job.orgId,
      sequence,
      actor,
      policy,
      requested,
      now,
      source: `bulk_job:${job.id}`,
      skipConnected: params.source.kind === 'filter' && params.source.filter.view === 'open_without_sequence',
    });
    let succeeded = 0;
    for (const outcome of outcomes) {
      if (outcome.status === 'connected') {
        succeeded++;
        continue;
      }
      result.byReason[outcome.reason] = (result.byReason[outcome.reason] ?? 0) + 1;
      if (result.refusals.length < MAX_LISTED_REFUSALS) {
        result.refusals.push({ recordId: outcome.recordId, reason: outcome.reason });
      } else {
        result.refusalsTruncated = true;
      }
    }
    result.cursor = nextCursor;
    const processed = row.processed + scanned;
    const updated = await trx
      .updateTable('bulk_jobs')
      .set({
        total: Math.max(total, processed),
        processed,
        succeeded: row.succeeded + succeeded,
        failed: row.failed + (outcomes.length - succeeded),
        result_json: JSON.stringify(result),
        status: done ? 'done' : 'running',
        lease_owner: done ? null : workerId,
        lease_until: done ? null : now + leaseMs,
        updated_at: now,
      })
      .where('org_id', '=', job.orgId)
      .where('id', '=', job.id)
      .where('lease_owner', '=', workerId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new LeaseLost();
    return done;
  });
}

async function finish(
  db: Kysely<Database>,
  job: ClaimedJob,
  row: { status: 'done' | 'failed' | 'queued' | 'running' },
  result: ConnectJobResult,
  now: number,
  error: string,
): Promise<void> {
  await db
    .updateTable('bulk_jobs')
    .set({
      status: row.status,
      result_json: JSON.stringify({ ...result, error }),
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .execute();
}

async function failJob(db: Kysely<Database>, job: ClaimedJob, workerId: string, now: number, error: unknown) {
  const row = await db
    .selectFrom('bulk_jobs')
    .select(['result_json', 'lease_owner', 'status'])
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .executeTakeFirst();
  if (!row || row.lease_owner !== workerId) return;
  const message = error instanceof Error ? error.message : String(error);
  await finish(db, job, { status: 'failed' }, parseJobResult(row.result_json), now, message.slice(0, 1000));
}

export async function findBulkJob(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('bulk_jobs')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}
