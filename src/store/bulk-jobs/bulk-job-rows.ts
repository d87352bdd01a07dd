import type { Kysely } from 'kysely';
import type { BulkJobsTable, Database } from '../schema.ts';
import type { ClaimedJob } from './claim-bulk-job.ts';

/** `bulk_jobs` rows: created by a request, read by progress polls, advanced chunk by chunk by a runner. */

export async function insertBulkJob(
  db: Kysely<Database>,
  input: {
    orgId: string;
    id: string;
    kind: string;
    paramsJson: string;
    resultJson: string;
    total: number;
    createdBy: string;
    now: number;
  },
): Promise<void> {
  await db
    .insertInto('bulk_jobs')
    .values({
      org_id: input.orgId,
      id: input.id,
      kind: input.kind,
      status: 'queued',
      params_json: input.paramsJson,
      total: input.total,
      processed: 0,
      succeeded: 0,
      failed: 0,
      result_json: input.resultJson,
      created_by: input.createdBy,
      lease_owner: null,
      lease_until: null,
      created_at: input.now,
      updated_at: input.now,
    })
    .execute();
}

export async function findBulkJob(db: Kysely<Database>, orgId: string, id: string) {
  return db
    .selectFrom('bulk_jobs')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export type BulkJobState = Omit<BulkJobsTable, 'params_json'> & { params_json?: string };

/** The job's row for the next chunk; `withParams: false` leaves out the (possibly large) parameters. */
export async function loadBulkJob(
  db: Kysely<Database>,
  job: ClaimedJob,
  options: { withParams: boolean },
): Promise<BulkJobState | undefined> {
  if (options.withParams) return findBulkJob(db, job.orgId, job.id);
  return db
    .selectFrom('bulk_jobs')
    .select([
      'org_id',
      'id',
      'kind',
      'status',
      'total',
      'processed',
      'succeeded',
      'failed',
      'result_json',
      'created_by',
      'lease_owner',
      'lease_until',
      'created_at',
      'updated_at',
    ])
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .executeTakeFirst();
}

export interface JobProgress {
  status: 'running' | 'done' | 'failed';
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  resultJson: string;
  /** Kept while running; an ended job gives up its lease. */
  leaseUntil: number;
  now: number;
}

/** Saves a chunk's progress while `workerId` holds the lease; false when it lost it (the chunk must roll back). */
export async function saveJobProgress(
  db: Kysely<Database>,
  job: ClaimedJob,
  workerId: string,
  progress: JobProgress,
): Promise<boolean> {
  const ended = progress.status !== 'running';
  const updated = await db
    .updateTable('bulk_jobs')
    .set({
      status: progress.status,
      total: progress.total,
      processed: progress.processed,
      succeeded: progress.succeeded,
      failed: progress.failed,
      result_json: progress.resultJson,
      lease_owner: ended ? null : workerId,
      lease_until: ended ? null : progress.leaseUntil,
      updated_at: progress.now,
    })
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .where('lease_owner', '=', workerId)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}
