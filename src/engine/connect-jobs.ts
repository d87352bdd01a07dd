import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ConnectRefusal } from '../domain/connect/refusal.ts';
import { recordScopeFor } from '../domain/connect/scope.ts';
import { matchesFieldRule, recordFieldValues } from '../domain/fields/evaluate.ts';
import { FieldRuleSchema } from '../domain/sequence/definition.ts';
import { insertBulkJob, loadBulkJob, saveJobProgress } from '../store/bulk-jobs/bulk-job-rows.ts';
import type { ClaimedJob } from '../store/bulk-jobs/claim-bulk-job.ts';
import { countOpenRecords, isFullRecord, type ScannedRecord } from '../store/connections/open-records.ts';
import { newId } from '../store/ids.ts';
import { recordAudit } from '../store/repos/audit-repo.ts';
import { loadOrgPolicy, loadSequenceForConnect } from '../store/repos/connections-repo.ts';
import { loadActor } from '../store/repos/identity-repo.ts';
import type { Database } from '../store/schema.ts';
import { refreshEngineStatistics } from '../store/stats/refresh-statistics.ts';
import { readPage } from './connect-read-ahead.ts';
import { connectRecords } from './connect-records.ts';
import { type JobKind, type JobRunnerDeps, LeaseLost, runJobs, startJobPoller } from './job-runner.ts';

/**
 * Bulk connect: requests of more than 1,000 ids, and filters, become a `bulk_jobs` row (kind `connect`) that the
 * shared job runner works through in chunks, each chunk one `connectRecords` call in one transaction that also
 * advances the job's cursor under a lease, so a crashed worker's job is resumed where its last chunk ended.
 */
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
  await insertBulkJob(db, {
    orgId: input.orgId,
    id,
    kind: CONNECT_JOB_KIND,
    paramsJson: JSON.stringify(input.params),
    resultJson: JSON.stringify(result),
    total: input.params.source.kind === 'ids' ? input.params.source.recordIds.length : 0,
    createdBy: input.actorId,
    now: input.now,
  });
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

export interface BulkJobDeps extends JobRunnerDeps {
  /** Records per chunk (per transaction). */
  chunkSize?: number;
  /** A job that connected at least this many records refreshes the planner's statistics when it ends. */
  refreshStatisticsAfter?: number;
}

/** From this many new connections on, the planner's picture of the engine's tables is worth refreshing at once. */
const REFRESH_STATISTICS_AFTER = 10_000;

/** Works through every claimable connect job; returns the number of jobs finished. */
export function runBulkJobs(deps: BulkJobDeps): Promise<number> {
  return runJobs(deps, connectJobKind(deps));
}

/** Polls for connect jobs in the background; `drain()` runs everything claimable now. */
export function startBulkJobRunner(
  deps: BulkJobDeps & { pollMs?: number; onError?: (error: unknown) => void },
) {
  return startJobPoller((signal) => runBulkJobs(signal ? { ...deps, signal } : deps), deps);
}

/** A list of 100,000 ids is parsed once per job and process, not once per chunk. */
const paramsCache = new Map<string, ConnectJobParams>();

function connectJobKind(deps: BulkJobDeps): JobKind {
  return {
    kind: CONNECT_JOB_KIND,
    async runChunk(job, workerId, leaseMs) {
      const chunk = await runChunk(deps, job, workerId, leaseMs);
      // After the commit: the engine starts on these connections at once, and without statistics its batches
      // would cost more the larger the backlog until autovacuum analyses the tables.
      if (chunk.done && chunk.connected >= (deps.refreshStatisticsAfter ?? REFRESH_STATISTICS_AFTER)) {
        await refreshEngineStatistics(deps.store.db, deps.store.dialect);
      }
      return chunk.done;
    },
    async fail(job, workerId, error) {
      const row = await loadBulkJob(deps.store.db, job, { withParams: false });
      if (!row || row.lease_owner !== workerId) return false;
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
      await saveJobProgress(deps.store.db, job, workerId, {
        ...progressOf(row),
        status: 'failed',
        resultJson: JSON.stringify({ ...parseJobResult(row.result_json), error: message }),
        leaseUntil: 0,
        now: deps.clock.now(),
      });
      return false;
    },
  };
}

function progressOf(row: { total: number; processed: number; succeeded: number; failed: number }) {
  return { total: row.total, processed: row.processed, succeeded: row.succeeded, failed: row.failed };
}

/** One chunk in one transaction; whether the job is done and how many records it has connected so far. */
async function runChunk(
  deps: BulkJobDeps,
  job: ClaimedJob,
  workerId: string,
  leaseMs: number,
): Promise<{ done: boolean; connected: number }> {
  const chunkSize = deps.chunkSize ?? 2000;
  return deps.store.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const cached = paramsCache.get(job.id);
    const row = await loadBulkJob(trx, job, { withParams: cached === undefined });
    if (!row || row.lease_owner !== workerId || row.status !== 'running') throw new LeaseLost();
    const params = cached ?? JobParamsSchema.parse(JSON.parse(row.params_json ?? '{}'));
    if (!cached) {
      if (paramsCache.size >= 8) paramsCache.delete(paramsCache.keys().next().value!);
      paramsCache.set(job.id, params);
    }
    const result = parseJobResult(row.result_json);
    const actor = await loadActor(trx, job.orgId, row.created_by);
    const sequence = await loadSequenceForConnect(trx, job.orgId, params.sequenceId);
    if (!actor || !sequence) {
      // The user was deactivated or the sequence deleted: nothing more may be connected on their behalf.
      const error = 'The job’s user or sequence no longer exists';
      await saveJobProgress(trx, job, workerId, {
        ...progressOf(row),
        status: 'failed',
        resultJson: JSON.stringify({ ...result, error }),
        leaseUntil: 0,
        now,
      });
      return { done: true, connected: row.succeeded };
    }
    const policy = await loadOrgPolicy(trx, job.orgId);
    let total = row.total;
    let recordIds: string[];
    let records: ScannedRecord[] = [];
    let liveRecordIds: Set<string> | undefined;
    let nextCursor: number | string | null;
    let done: boolean;
    let scanned: number;
    if (params.source.kind === 'ids') {
      const start = typeof result.cursor === 'number' ? result.cursor : 0;
      recordIds = params.source.recordIds.slice(start, start + chunkSize);
      nextCursor = start + recordIds.length;
      done = nextCursor >= params.source.recordIds.length;
      scanned = recordIds.length;
    } else {
      const filter = params.source.filter;
      const scope = {
        orgId: job.orgId,
        recordType: sequence.recordType,
        withoutSequence: false,
        scope: recordScopeFor(actor, policy),
        ownerId: filter.ownerId,
      };
      if (result.cursor === null && total === 0) total = await countOpenRecords(trx, scope);
      const after = typeof result.cursor === 'string' ? result.cursor : null;
      const { page, live } = await readPage(
        trx,
        deps.store.db,
        job.id,
        workerId,
        { ...scope, after, limit: chunkSize, columns: filter.rule ? 'all' : 'connect' },
        deps.store.dialect === 'postgres',
      );
      liveRecordIds = live;
      scanned = page.length;
      records = filter.rule
        ? page.filter(
            (record) => isFullRecord(record) && matchesFieldRule(filter.rule!, recordFieldValues(record)),
          )
        : page;
      recordIds = records.map((record) => record.id);
      nextCursor = page.at(-1)?.id ?? after;
      done = page.length < chunkSize;
    }

    const outcomes = await connectRecords(trx, {
      orgId: job.orgId,
      sequence,
      actor,
      policy,
      recordIds,
      records,
      ...(liveRecordIds ? { liveRecordIds } : {}),
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
    const saved = await saveJobProgress(trx, job, workerId, {
      status: done ? 'done' : 'running',
      total: Math.max(total, processed),
      processed,
      succeeded: row.succeeded + succeeded,
      failed: row.failed + (outcomes.length - succeeded),
      resultJson: JSON.stringify(result),
      leaseUntil: now + leaseMs,
      now,
    });
    if (!saved) throw new LeaseLost();
    return { done, connected: row.succeeded + succeeded };
  });
}
