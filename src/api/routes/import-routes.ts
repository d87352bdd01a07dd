import { z } from 'zod';
import type { Actor } from '../../domain/identity.ts';
import { decideRecord, type OrgPolicy } from '../../domain/permissions/permissions.ts';
import type { OwnerRef } from '../../domain/records/csv-import.ts';
import { RECORD_TYPES, type RecordType } from '../../domain/sequence/definition.ts';
import { listRecordFields } from '../../store/repos/record-fields-repo.ts';
import { activeOwners, type CsvImportReport, importRecordsFromCsv } from '../../store/repos/records-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';
import { notifyRecordsInserted } from './record-routes.ts';

export const ImportReportSchema = z
  .object({
    total: z.number().int(),
    imported: z.number().int(),
    failed: z.number().int(),
    errors: z.array(z.object({ row: z.number().int(), reasons: z.array(z.string()) })),
    ignoredColumns: z.array(z.string()),
    problems: z.array(z.string()),
  })
  .meta({ id: 'ImportReport' });

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

/** Why the actor may not make `owner` a record's owner, or null when they may. */
export function ownerRefusalFor(actor: Actor, policy: OrgPolicy) {
  return (owner: OwnerRef): string | null =>
    decideRecord(actor, policy, 'edit', { ownerId: owner.id, businessUnitId: owner.businessUnitId }).allowed
      ? null
      : 'you may give records only to yourself or to people in units you manage';
}

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
          'Bad rows are reported with their row number and reasons; good rows are imported.',
        querystring: CsvQuery,
        body: z.union([z.string().max(MAX_CSV), JsonBody]),
        response: { 200: ImportReportSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => {
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
      const report: CsvImportReport = await importRecordsFromCsv(deps.store.db, {
        orgId: actor.orgId,
        actorId: actor.userId,
        type,
        csv,
        overrides,
        defaultOwner,
        ownerRefusal: refusal,
        customFields: await listRecordFields(deps.store.db, actor.orgId, type),
        now: deps.clock.now(),
        source: 'api',
        afterInsert: (trx, rows) => notifyRecordsInserted(trx, deps, rows, actor.userId),
      });
      if (report.problems.length > 0) {
        throw new HttpProblem(
          400,
          'import_refused',
          `Nothing was imported: ${report.problems.join('; ')}`,
          report.problems.map((message) => ({ path: ['body', 'csv'], code: 'import_refused', message })),
        );
      }
      const { ids: _ids, ...rest } = report;
      return rest;
    },
  );
}
