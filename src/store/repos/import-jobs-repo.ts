import type { Kysely } from 'kysely';
import { insertBulkJob, type JobProgress, saveJobProgress } from '../bulk-jobs/bulk-job-rows.ts';
import { type ClaimedJob, claimBulkJob } from '../bulk-jobs/claim-bulk-job.ts';
import { newId } from '../ids.ts';
import type { Database, RecordType } from '../schema.ts';
import { recordAudit } from './audit-repo.ts';

/** Import jobs: `bulk_jobs` rows of kind `import`, with their uploaded file in `import_files`. */
export const IMPORT_JOB_KIND = 'import';

export interface NewImportJob {
  orgId: string;
  actorId: string;
  fileHash: string;
  type: RecordType;
  csv: string;
  paramsJson: string;
  resultJson: string;
  total: number;
  now: number;
}

async function jobForHash(db: Kysely<Database>, orgId: string, fileHash: string) {
  return db
    .selectFrom('import_files as f')
    .innerJoin('bulk_jobs as j', (join) =>
      join.onRef('j.org_id', '=', 'f.org_id').onRef('j.id', '=', 'f.job_id'),
    )
    .select(['j.id', 'j.status'])
    .where('f.org_id', '=', orgId)
    .where('f.file_hash', '=', fileHash)
    .executeTakeFirst();
}

/**
 * Queues an import of a file, or returns the job that already has this file (same hash) unless that one failed.
 * Two uploads racing each other meet at the unique (org_id, file_hash) key: the loser gets the winner's job.
 */
export async function createImportJob(
  db: Kysely<Database>,
  input: NewImportJob,
): Promise<{ jobId: string; existing: boolean }> {
  const existing = await jobForHash(db, input.orgId, input.fileHash);
  if (existing && existing.status !== 'failed') return { jobId: existing.id, existing: true };
  const id = newId(input.now);
  try {
    await db.transaction().execute(async (trx) => {
      if (existing) {
        await trx
          .deleteFrom('import_files')
          .where('org_id', '=', input.orgId)
          .where('job_id', '=', existing.id)
          .execute();
      }
      await insertBulkJob(trx, {
        orgId: input.orgId,
        id,
        kind: IMPORT_JOB_KIND,
        paramsJson: input.paramsJson,
        resultJson: input.resultJson,
        total: input.total,
        createdBy: input.actorId,
        now: input.now,
      });
      await trx
        .insertInto('import_files')
        .values({
          org_id: input.orgId,
          job_id: id,
          file_hash: input.fileHash,
          record_type: input.type,
          csv: input.csv,
          created_at: input.now,
        })
        .execute();
      await recordAudit(trx, {
        orgId: input.orgId,
        actorId: input.actorId,
        action: 'bulk_job.create',
        resourceType: 'bulk_job',
        resourceId: id,
        after: { kind: IMPORT_JOB_KIND, type: input.type, rows: input.total, fileHash: input.fileHash },
        at: input.now,
      });
    });
  } catch (error) {
    const winner = await jobForHash(db, input.orgId, input.fileHash);
    if (winner && winner.status !== 'failed') return { jobId: winner.id, existing: true };
    throw error;
  }
  return { jobId: id, existing: false };
}

export type ClaimedImport = ClaimedJob;

/** Claims one import job: queued, or running with an expired lease, or still leased to this very worker. */
export async function claimImportJob(
  db: Kysely<Database>,
  workerId: string,
  now: number,
  leaseMs: number,
): Promise<ClaimedImport | undefined> {
  return claimBulkJob(db, { kind: IMPORT_JOB_KIND, workerId, now, leaseMs });
}

export async function loadImportJobRow(db: Kysely<Database>, job: ClaimedImport) {
  return db
    .selectFrom('bulk_jobs')
    .select([
      'status',
      'lease_owner',
      'params_json',
      'result_json',
      'total',
      'processed',
      'succeeded',
      'failed',
      'created_by',
    ])
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .where('kind', '=', IMPORT_JOB_KIND)
    .executeTakeFirst();
}

export async function loadImportFile(db: Kysely<Database>, job: ClaimedImport): Promise<string | undefined> {
  const row = await db
    .selectFrom('import_files')
    .select('csv')
    .where('org_id', '=', job.orgId)
    .where('job_id', '=', job.id)
    .executeTakeFirst();
  return row?.csv;
}

/**
 * The records of this type that already have one of `emails` (lower-cased), with what a visibility decision
 * reads of them (owner and business unit): the import's dedupe keeps only those the importer may see.
 */
export async function recordsWithEmails(
  db: Kysely<Database>,
  orgId: string,
  type: RecordType,
  emails: string[],
): Promise<{ email: string; owner_id: string; business_unit_id: string }[]> {
  const found: { email: string; owner_id: string; business_unit_id: string }[] = [];
  for (let i = 0; i < emails.length; i += 500) {
    const part = emails.slice(i, i + 500);
    const rows = await db
      .selectFrom('records')
      .select((eb) => [eb.fn<string>('lower', ['email']).as('email'), 'owner_id', 'business_unit_id'])
      .where('org_id', '=', orgId)
      .where('type', '=', type)
      .where((eb) => eb(eb.fn('lower', ['email']), 'in', part))
      .execute();
    found.push(...rows);
  }
  return found;
}

export type ImportProgress = JobProgress;

/** Saves a chunk's progress while this worker holds the lease; false when it lost it (the chunk must roll back). */
export async function saveImportProgress(
  db: Kysely<Database>,
  job: ClaimedImport,
  workerId: string,
  progress: ImportProgress,
): Promise<boolean> {
  const ended = progress.status !== 'running';
  const saved = await saveJobProgress(db, job, workerId, progress);
  // The file is not needed once the job has ended; its hash stays, so a re-upload still finds the job.
  if (ended) {
    await db
      .updateTable('import_files')
      .set({ csv: '' })
      .where('org_id', '=', job.orgId)
      .where('job_id', '=', job.id)
      .execute();
  }
  return saved;
}
