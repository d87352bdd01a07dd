import { z } from 'zod';
import { mapColumns, parseCsv } from '../../domain/records/csv-import.ts';
import { RECORD_TYPES, type RecordType } from '../../domain/sequence/definition.ts';
import { findBulkJob } from '../../engine/bulk-connect.ts';
import {
  type ImportParams,
  ImportParamsSchema,
  importFileHash,
  ownerRefusalFor,
  parseImportResult,
} from '../../engine/import-jobs.ts';
import { createImportJob, IMPORT_JOB_KIND } from '../../store/repos/import-jobs-repo.ts';
import { listRecordFields } from '../../store/repos/record-fields-repo.ts';
import { activeOwners } from '../../store/repos/records-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

export const ImportJobSchema = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    type: z.enum(RECORD_TYPES),
    /** Data rows in the file. */
    total: z.number().int(),
    /** Rows gone through so far. */
    processed: z.number().int(),
    imported: z.number().int(),
    /** Rows not imported because of their content (see `errors`). */
    failed: z.number().int(),
    /** Rows not imported by the dedupe rule (an email already on a record of this type). */
    duplicates: z.number().int(),
    /** Per-row report (bad rows and duplicates), in file order; listed once the job has ended. */
    errors: z.array(z.object({ row: z.number().int(), reasons: z.array(z.string()) })),
    rowsTruncated: z.boolean(),
    ignoredColumns: z.array(z.string()),
    error: z.string().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'ImportJob' });

const MAX_CSV = 50 * 1024 * 1024;
const MappingSchema = z.record(z.string().max(200), z.string().max(200));

const JsonBody = z.strictObject({
  type: z.enum(RECORD_TYPES),
  csv: z.string().min(1).max(MAX_CSV),
  /** Column header → field name (or "ignore"); unmapped headers are matched by name. */
  mapping: MappingSchema.optional(),
  /** Owner of rows without an owner column (default: you). */
  ownerId: z.string().max(64).optional(),
});

const CsvQuery = z.object({
  type: z.enum(RECORD_TYPES).optional(),
  /** `Column=field`, repeatable. */
  map: z.union([z.string().max(400), z.array(z.string().max(400)).max(500)]).optional(),
  ownerId: z.string().max(64).optional(),
});

function importJobBody(row: NonNullable<Awaited<ReturnType<typeof findBulkJob>>>) {
  const result = parseImportResult(row.result_json);
  const params = ImportParamsSchema.parse(JSON.parse(row.params_json));
  const ended = row.status === 'done' || row.status === 'failed';
  return {
    id: row.id,
    status: row.status,
    type: params.type,
    total: row.total,
    processed: row.processed,
    imported: row.succeeded,
    failed: row.failed,
    duplicates: result.duplicates,
    errors: ended ? result.errors : [],
    rowsTruncated: result.rowsTruncated,
    ignoredColumns: result.ignoredColumns,
    error: result.error ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const ImportAcceptedSchema = z.object({
  jobId: z.string(),
  /** True when this file was uploaded before: the answer is that upload's job, nothing new is imported. */
  existing: z.boolean(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
});

export async function importRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.addContentTypeParser(
    ['text/csv', 'application/csv'],
    { parseAs: 'string', bodyLimit: MAX_CSV },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/api/records/import',
    {
      bodyLimit: MAX_CSV,
      schema: {
        tags: ['records'],
        summary:
          'Import records from CSV: a text/csv body (with ?type=lead&map=Column=field) or JSON { type, csv, mapping }. ' +
          'Answers 202 with the id of a background import job (poll GET /api/import-jobs/{id} for progress and the ' +
          'per-row report); the same file for the same record type again answers 200 with the existing job. Rows ' +
          'whose email is already on a record of the type are not imported (reported as duplicates).',
        querystring: CsvQuery,
        body: z.union([z.string().max(MAX_CSV), JsonBody]),
        response: {
          200: ImportAcceptedSchema,
          202: ImportAcceptedSchema,
          400: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      const body = request.body;
      let type: RecordType | undefined;
      let csv: string;
      let overrides: Record<string, string> = {};
      let ownerId: string | undefined;
      if (typeof body === 'string') {
        type = request.query.type;
        csv = body;
        ownerId = request.query.ownerId;
        const maps = request.query.map === undefined ? [] : [request.query.map].flat();
        for (const entry of maps) {
          const at = entry.lastIndexOf('=');
          if (at <= 0) {
            throw new HttpProblem(400, 'validation_failed', 'A map entry is not Column=field', [
              {
                path: ['querystring', 'map'],
                code: 'invalid_mapping',
                message: `"${entry}" is not Column=field`,
              },
            ]);
          }
          overrides[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
        }
      } else {
        type = body.type;
        csv = body.csv;
        overrides = body.mapping ?? {};
        ownerId = body.ownerId;
      }
      if (!type) {
        throw new HttpProblem(400, 'validation_failed', 'Say which record type the file holds', [
          { path: ['querystring', 'type'], code: 'required', message: `One of ${RECORD_TYPES.join(', ')}` },
        ]);
      }
      const owners = await activeOwners(deps.store.db, actor.orgId);
      const refusal = ownerRefusalFor(actor, policy);
      const defaultOwner = owners.get(ownerId ?? actor.userId);
      // Unknown and not-yours (another unit's user) get the same answer: no probing for accounts.
      if (!defaultOwner || refusal(defaultOwner) !== null) {
        throw new HttpProblem(
          400,
          'validation_failed',
          'The default owner is not a user you may give records to',
          [
            {
              path: [typeof body === 'string' ? 'querystring' : 'body', 'ownerId'],
              code: 'unknown_owner',
              message: 'No active user with this id that you may give records to',
            },
          ],
        );
      }
      // The file and the mapping are checked now, so a mistake is answered at once, before a job exists.
      const problems: string[] = [];
      let rows = 0;
      try {
        const parsed = parseCsv(csv);
        rows = parsed.rows.length;
        if (parsed.header.length === 0)
          problems.push('The file is empty; the first line must name the columns');
        else {
          const fields = await listRecordFields(deps.store.db, actor.orgId, type);
          problems.push(...mapColumns(parsed.header, fields, overrides).problems);
        }
      } catch (error) {
        problems.push(`The file is not valid CSV: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (problems.length > 0) {
        throw new HttpProblem(
          400,
          'import_refused',
          `Nothing was imported: ${problems.join('; ')}`,
          problems.map((message) => ({ path: ['body', 'csv'], code: 'import_refused', message })),
        );
      }
      const params: ImportParams = { type, overrides, defaultOwnerId: defaultOwner.id, source: 'api' };
      const { jobId, existing } = await createImportJob(deps.store.db, {
        orgId: actor.orgId,
        actorId: actor.userId,
        fileHash: importFileHash(actor.userId, type, csv),
        type,
        csv,
        paramsJson: JSON.stringify(params),
        resultJson: JSON.stringify(parseImportResult('{}')),
        total: rows,
        now: deps.clock.now(),
      });
      const job = await findBulkJob(deps.store.db, actor.orgId, jobId);
      return reply.code(existing ? 200 : 202).send({ jobId, existing, status: job?.status ?? 'queued' });
    },
  );

  app.get(
    '/api/import-jobs/:id',
    {
      schema: {
        tags: ['records'],
        summary: 'Progress of a CSV import job; once it has ended, the per-row report',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: ImportJobSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const job = await findBulkJob(deps.store.db, actor.orgId, request.params.id);
      if (
        !job ||
        job.kind !== IMPORT_JOB_KIND ||
        (job.created_by !== actor.userId && !actor.roles.includes('admin'))
      ) {
        throw notFoundProblem('Import job');
      }
      return importJobBody(job);
    },
  );
}
