import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Actor } from '../domain/identity.ts';
import { decideRecord, type OrgPolicy } from '../domain/permissions/permissions.ts';
import {
  type ColumnMapping,
  type CsvRow,
  mapColumns,
  type OwnerRef,
  parseCsv,
  type RowError,
  validateRow,
} from '../domain/records/csv-import.ts';
import { RECORD_TYPES, type RecordType } from '../domain/sequence/definition.ts';
import { recordAudit } from '../store/repos/audit-repo.ts';
import { loadOrgPolicy } from '../store/repos/connections-repo.ts';
import { loadActor } from '../store/repos/identity-repo.ts';
import {
  type ClaimedImport,
  IMPORT_JOB_KIND,
  loadImportFile,
  loadImportJobRow,
  recordsWithEmails,
  saveImportProgress,
} from '../store/repos/import-jobs-repo.ts';
import { listRecordFields } from '../store/repos/record-fields-repo.ts';
import { activeOwners, insertRecordRows, type RecordRow, toRecordRow } from '../store/repos/records-repo.ts';
import { enabledSegmentsFor } from '../store/repos/segments-repo.ts';
import type { Database } from '../store/schema.ts';
import { type JobRunnerDeps, LeaseLost, runJobs, startJobPoller } from './job-runner.ts';
import { onRecordChanged } from './record-changes.ts';

/**
 * CSV import as a background job. The upload is stored with its hash and a `bulk_jobs` row (kind `import`); a
 * runner goes through the file in chunks, each chunk ONE transaction that inserts its good rows and advances the
 * job's cursor, counters and per-row report under a lease. A crash (even SIGKILL) loses at most the chunk in
 * flight, which rolled back; the next runner resumes at the cursor, so every row is imported once.
 *
 * Dedupe rule: a row whose email (compared case-insensitively) is already on a record of the same type that the
 * importing user may see — imported earlier, by an earlier row of this file, or created by hand — is not imported
 * and is reported as a duplicate. A record they may not see (another unit's) does not block the row: the report
 * must not reveal it exists (as Dynamics 365's duplicate detection shows only records the user may read). Rows
 * without an email are never deduplicated. The same person uploading the same file for the same record type
 * again gets the existing job (same file hash) instead of a new one.
 */
export const ImportParamsSchema = z.object({
  type: z.enum(RECORD_TYPES),
  overrides: z.record(z.string(), z.string()),
  defaultOwnerId: z.string(),
  source: z.string(),
});
export type ImportParams = z.infer<typeof ImportParamsSchema>;

/** At most this many rows are listed in a job's report; the counts are always exact. */
export const MAX_LISTED_ROWS = 10_000;

export interface ImportJobResult {
  /** Data rows gone through (an index into the file's rows). */
  cursor: number;
  errors: RowError[];
  /** Rows left out by the dedupe rule. */
  duplicates: number;
  rowsTruncated: boolean;
  ignoredColumns: string[];
  error?: string;
}

export function parseImportResult(json: string): ImportJobResult {
  const empty: ImportJobResult = {
    cursor: 0,
    errors: [],
    duplicates: 0,
    rowsTruncated: false,
    ignoredColumns: [],
  };
  try {
    const parsed = JSON.parse(json) as Partial<ImportJobResult> | null;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? { ...empty, ...parsed } : empty;
  } catch {
    return empty;
  }
}

/** The same person uploading the same file for the same record type: one job. */
export function importFileHash(actorId: string, type: RecordType, csv: string): string {
  return createHash('sha256')
    .update(actorId)
    .update('\0')
    .update(type)
    .update('\0')
    .update(csv)
    .digest('hex');
}

/** Why `actor` may not make `owner` a record's owner, or null when they may. */
export function ownerRefusalFor(actor: Actor, policy: OrgPolicy) {
  return (owner: OwnerRef): string | null =>
    decideRecord(actor, policy, 'edit', { ownerId: owner.id, businessUnitId: owner.businessUnitId }).allowed
      ? null
      : 'you may give records only to yourself or to people in units you manage';
}

export interface ImportJobDeps extends JobRunnerDeps {
  /** Rows per chunk (per transaction). */
  chunkSize?: number;
}

interface ParsedFile {
  rows: CsvRow[];
  header: string[];
}
/** A file is parsed once per job and process, not once per chunk. */
const parsedFiles = new Map<string, ParsedFile>();

/** Works through every claimable import job; returns how many it finished. */
export function runImportJobs(deps: ImportJobDeps): Promise<number> {
  return runJobs(deps, {
    kind: IMPORT_JOB_KIND,
    runChunk: (job, workerId, leaseMs) => runImportChunk(deps, job, workerId, leaseMs),
    fail: async (job, workerId, error) => {
      await failImportJob(deps, job, workerId, error);
      return true;
    },
    release: (job) => parsedFiles.delete(job.id),
  });
}

async function failImportJob(deps: ImportJobDeps, job: ClaimedImport, workerId: string, error: unknown) {
  const row = await loadImportJobRow(deps.store.db, job);
  if (!row || row.lease_owner !== workerId) return;
  const result = parseImportResult(row.result_json);
  result.error = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
  await saveImportProgress(deps.store.db, job, workerId, {
    status: 'failed',
    total: row.total,
    processed: row.processed,
    succeeded: row.succeeded,
    failed: row.failed,
    resultJson: JSON.stringify(result),
    leaseUntil: 0,
    now: deps.clock.now(),
  });
}

async function afterInsert(trx: Kysely<Database>, deps: ImportJobDeps, rows: RecordRow[], actorId: string) {
  const first = rows[0];
  if (!first) return;
  if ((await enabledSegmentsFor(trx, first.org_id, first.type)).length === 0) return;
  for (const row of rows) await onRecordChanged(trx, deps, null, row, { actorId });
}

/**
 * The emails among `emails` already on a record of this type that `actor` may see (`decideRecord`'s visibility,
 * as the records list and API): a record the importer may not see does not block a row, so the report never
 * tells them it exists.
 */
async function takenEmails(
  db: Kysely<Database>,
  orgId: string,
  type: RecordType,
  emails: string[],
  actor: Actor,
  policy: OrgPolicy,
): Promise<Set<string>> {
  const matches = await recordsWithEmails(db, orgId, type, emails);
  const visible = matches.filter(
    (match) =>
      decideRecord(actor, policy, 'view', { ownerId: match.owner_id, businessUnitId: match.business_unit_id })
        .allowed,
  );
  return new Set(visible.map((match) => match.email));
}

/** One chunk in one transaction; true when the job has ended. */
async function runImportChunk(
  deps: ImportJobDeps,
  job: ClaimedImport,
  workerId: string,
  leaseMs: number,
): Promise<boolean> {
  const chunkSize = deps.chunkSize ?? 1000;
  return deps.store.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const row = await loadImportJobRow(trx, job);
    if (!row || row.lease_owner !== workerId || row.status !== 'running') throw new LeaseLost();
    const params = ImportParamsSchema.parse(JSON.parse(row.params_json));
    const result = parseImportResult(row.result_json);
    let file = parsedFiles.get(job.id);
    if (!file) {
      const csv = (await loadImportFile(trx, job)) ?? '';
      file = parseCsv(csv);
      if (parsedFiles.size >= 4) parsedFiles.delete(parsedFiles.keys().next().value!);
      parsedFiles.set(job.id, file);
    }
    const total = file.rows.length;
    const end = async (status: 'done' | 'failed', error?: string) => {
      if (error) result.error = error;
      const saved = await saveImportProgress(trx, job, workerId, {
        status,
        total,
        processed: row.processed,
        succeeded: row.succeeded,
        failed: row.failed,
        resultJson: JSON.stringify(result),
        leaseUntil: 0,
        now,
      });
      if (!saved) throw new LeaseLost();
      return true;
    };
    const actor = await loadActor(trx, job.orgId, row.created_by);
    if (!actor) return end('failed', 'The user who started the import no longer exists or was deactivated');
    const customFields = await listRecordFields(trx, job.orgId, params.type);
    const mapping: ColumnMapping = mapColumns(file.header, customFields, params.overrides);
    result.ignoredColumns = mapping.ignored;
    if (mapping.problems.length > 0)
      return end('failed', `Nothing more was imported: ${mapping.problems.join('; ')}`);
    const owners = await activeOwners(trx, job.orgId);
    const policy = await loadOrgPolicy(trx, job.orgId);
    const context = {
      type: params.type,
      customFields,
      owners,
      defaultOwner: owners.get(params.defaultOwnerId) ?? null,
      ownerRefusal: ownerRefusalFor(actor, policy),
    };

    const chunk = file.rows.slice(result.cursor, result.cursor + chunkSize);
    const candidates: { line: number; record: RecordRow; email: string | null }[] = [];
    const errors: RowError[] = [];
    for (const csvRow of chunk) {
      const checked = validateRow(csvRow.cells, csvRow.line, mapping, context);
      if (!checked.ok) errors.push(checked.error);
      else
        candidates.push({
          line: csvRow.line,
          record: toRecordRow(job.orgId, checked.record, now),
          email: checked.record.email?.toLowerCase() ?? null,
        });
    }
    const emails = candidates.flatMap((c) => (c.email ? [c.email] : []));
    const taken = await takenEmails(trx, job.orgId, params.type, [...new Set(emails)], actor, policy);
    const rows: RecordRow[] = [];
    let duplicates = 0;
    for (const candidate of candidates) {
      if (candidate.email && taken.has(candidate.email)) {
        duplicates++;
        errors.push({
          row: candidate.line,
          reasons: [
            `duplicate: a ${params.type} with email "${candidate.email}" exists already (not imported)`,
          ],
        });
        continue;
      }
      if (candidate.email) taken.add(candidate.email);
      rows.push(candidate.record);
    }
    if (rows.length > 0) {
      await insertRecordRows(trx, rows);
      await recordAudit(trx, {
        orgId: job.orgId,
        actorId: row.created_by,
        action: 'record.import',
        resourceType: 'record',
        resourceId: null,
        after: {
          type: params.type,
          source: `import_job:${job.id}`,
          count: rows.length,
          ids: rows.map((r) => r.id),
        },
        at: now,
      });
      await afterInsert(trx, deps, rows, row.created_by);
    }
    errors.sort((a, b) => a.row - b.row);
    for (const error of errors) {
      if (result.errors.length < MAX_LISTED_ROWS) result.errors.push(error);
      else result.rowsTruncated = true;
    }
    result.duplicates += duplicates;
    result.cursor += chunk.length;
    const done = result.cursor >= total;
    const saved = await saveImportProgress(trx, job, workerId, {
      status: done ? 'done' : 'running',
      total,
      processed: row.processed + chunk.length,
      succeeded: row.succeeded + rows.length,
      failed: row.failed + errors.length - duplicates,
      resultJson: JSON.stringify(result),
      leaseUntil: now + leaseMs,
      now,
    });
    if (!saved) throw new LeaseLost();
    return done;
  });
}

/** Polls for import jobs in the background; a failing round (database gone) is retried with a growing pause. */
export function startImportJobRunner(
  deps: ImportJobDeps & { pollMs?: number; onError?: (error: unknown) => void },
) {
  return startJobPoller((signal) => runImportJobs(signal ? { ...deps, signal } : deps), deps);
}
