import { z } from 'zod';
import type { Problem } from '../../domain/errors.ts';
import { decideRecord } from '../../domain/permissions/permissions.ts';
import { mergeCustomValues, validateCustomValues } from '../../domain/records/custom-fields.ts';
import {
  displayName,
  RecordCreateSchema,
  RecordPatchSchema,
  statusChangeProblem,
} from '../../domain/records/record-schemas.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { listRecordFields } from '../../store/repos/record-fields-repo.ts';
import {
  deleteRecordRow,
  hasLiveConnection,
  insertRecordRows,
  listRecordGrid,
  parseCustomJson,
  type RECORD_SORTS,
  type RecordRow,
  toRecordRow,
  updateRecordRow,
} from '../../store/repos/records-repo.ts';
import { isFollowing } from '../../store/repos/worklist-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, pageSchema, toPage } from '../pagination.ts';
import { forbidden, HttpProblem, ProblemSchema } from '../problems.ts';
import {
  CursorShape,
  GridQuerySchema,
  gridRow,
  loadVisibleRecord,
  notifyRecordChanged,
  ownerRef,
  RecordDetailSchema,
  RecordSchema,
  recordVisibility,
  toRecordDto,
  validation,
} from './record-route-support.ts';

/** CRM records: the grid, one record, create, change, delete. */
export async function recordRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/records',
    {
      schema: {
        tags: ['records'],
        summary:
          'The record grid: search (name, email, company), filters, sort (`-` for descending) and cursor pagination',
        querystring: GridQuerySchema,
        response: { 200: pageSchema(RecordSchema), 400: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      const query = request.query;
      const descending = query.sort.startsWith('-');
      const sort = query.sort.replace(/^-/, '') as (typeof RECORD_SORTS)[number];
      const cursor = decodeCursor(query.cursor, CursorShape);
      if (cursor && cursor.s !== query.sort) {
        throw new HttpProblem(
          400,
          'invalid_cursor',
          'The cursor belongs to another sort order; start again',
          [{ path: ['querystring', 'cursor'], code: 'invalid_cursor', message: 'Sort changed' }],
        );
      }
      const rows = await listRecordGrid(deps.store.db, actor.orgId, recordVisibility(actor, policy), {
        ...(query.type ? { type: query.type } : {}),
        ...(query.q ? { search: query.q } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.ownerId ? { ownerId: query.ownerId } : {}),
        ...(query.stage ? { stage: query.stage } : {}),
        ...(query.inSequence !== undefined ? { inSequence: query.inSequence } : {}),
        ...(query.sequenceId ? { sequenceId: query.sequenceId } : {}),
        ...(cursor ? { after: { key: cursor.k, id: cursor.id } } : {}),
        sort,
        descending,
        limit: query.limit,
      });
      return toPage(rows, query.limit, toRecordDto, (row) => ({
        k: typeof row.sort_key === 'number' ? row.sort_key : String(row.sort_key),
        id: row.id,
        s: query.sort,
      }));
    },
  );

  app.get(
    '/api/records/:id',
    {
      schema: {
        tags: ['records'],
        summary: 'One record with its owner, live sequence and current step',
        params: z.object({ id: z.string().max(64) }),
        response: { 200: RecordDetailSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { actor } = await loadVisibleRecord(deps, request, request.params.id);
      const [record, followed] = await Promise.all([
        gridRow(deps, actor.orgId, request.params.id),
        isFollowing(deps.store.db, actor.orgId, actor.userId, request.params.id),
      ]);
      return { ...record, followed };
    },
  );

  app.post(
    '/api/records',
    {
      schema: {
        tags: ['records'],
        summary: 'Create a record (owner defaults to you; custom fields checked against their definitions)',
        body: RecordCreateSchema,
        response: { 201: RecordSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      const body = request.body;
      const db = deps.store.db;
      const problems: Problem[] = [];
      const owner = await ownerRef(db, actor.orgId, body.ownerId ?? actor.userId);
      if (!owner) {
        problems.push({
          path: ['body', 'ownerId'],
          code: 'unknown_owner',
          message: 'No active user with this id',
        });
      }
      const status = body.status ?? 'open';
      const statusProblem = statusChangeProblem(body.type, null, status);
      if (statusProblem)
        problems.push({ path: ['body', 'status'], code: 'invalid_status', message: statusProblem });
      const fields = await listRecordFields(db, actor.orgId, body.type);
      const custom = validateCustomValues(fields, body.custom ?? {}, 'json');
      for (const problem of custom.problems) {
        problems.push({
          path: ['body', 'custom', problem.name],
          code: 'invalid_custom_field',
          message: problem.message,
        });
      }
      if (problems.length > 0 || !owner) throw validation(problems);
      if (!decideRecord(actor, policy, 'edit', owner).allowed) {
        throw forbidden(
          'record.assign',
          'You may give records only to yourself or to people in units you manage (missing permission: record.assign)',
        );
      }
      const now = deps.clock.now();
      const row = toRecordRow(
        actor.orgId,
        {
          type: body.type,
          name: displayName(body),
          firstName: body.firstName ?? null,
          lastName: body.lastName ?? null,
          company: body.company ?? null,
          jobTitle: body.jobTitle ?? null,
          email: body.email ?? null,
          phoneBusiness: body.phoneBusiness ?? null,
          phoneMobile: body.phoneMobile ?? null,
          timeZone: body.timeZone ?? null,
          status,
          stage: body.stage ?? null,
          ownerId: owner.ownerId,
          businessUnitId: owner.businessUnitId,
          doNotEmail: body.doNotEmail ?? false,
          doNotCall: body.doNotCall ?? false,
          custom: mergeCustomValues({}, custom.values),
        },
        now,
      );
      await db.transaction().execute(async (trx) => {
        await insertRecordRows(trx, [row]);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'record.create',
          resourceType: 'record',
          resourceId: row.id,
          after: row,
          at: now,
        });
        await notifyRecordChanged(trx, deps, null, row, actor.userId);
      });
      return reply.code(201).send(await gridRow(deps, actor.orgId, row.id));
    },
  );

  app.patch(
    '/api/records/:id',
    {
      schema: {
        tags: ['records'],
        summary: 'Change a record: core fields, custom fields (null clears), status, owner',
        params: z.object({ id: z.string().max(64) }),
        body: RecordPatchSchema,
        response: { 200: RecordSchema, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { actor, policy, row: before } = await loadVisibleRecord(deps, request, request.params.id);
      enforce(
        decideRecord(actor, policy, 'edit', {
          ownerId: before.owner_id,
          businessUnitId: before.business_unit_id,
        }),
        'Record',
      );
      const body = request.body;
      const db = deps.store.db;
      const problems: Problem[] = [];
      let owner = { ownerId: before.owner_id, businessUnitId: before.business_unit_id };
      if (body.ownerId !== undefined && body.ownerId !== before.owner_id) {
        const next = await ownerRef(db, actor.orgId, body.ownerId);
        if (!next) {
          problems.push({
            path: ['body', 'ownerId'],
            code: 'unknown_owner',
            message: 'No active user with this id',
          });
        } else owner = next;
      }
      if (body.status !== undefined) {
        const statusProblem = statusChangeProblem(before.type, before.status, body.status);
        if (statusProblem)
          problems.push({ path: ['body', 'status'], code: 'invalid_status', message: statusProblem });
      }
      const fields = await listRecordFields(db, actor.orgId, before.type);
      const custom = validateCustomValues(fields, body.custom ?? {}, 'json');
      for (const problem of custom.problems) {
        problems.push({
          path: ['body', 'custom', problem.name],
          code: 'invalid_custom_field',
          message: problem.message,
        });
      }
      if (problems.length > 0) throw validation(problems);
      if (owner.ownerId !== before.owner_id && !decideRecord(actor, policy, 'edit', owner).allowed) {
        throw forbidden(
          'record.assign',
          'You may give records only to yourself or to people in units you manage (missing permission: record.assign)',
        );
      }
      const pick = <T>(value: T | undefined, current: T): T => (value === undefined ? current : value);
      const after: RecordRow = {
        ...before,
        name: body.name ?? before.name,
        first_name: pick(body.firstName, before.first_name),
        last_name: pick(body.lastName, before.last_name),
        company: pick(body.company, before.company),
        job_title: pick(body.jobTitle, before.job_title),
        email: pick(body.email, before.email),
        phone_business: pick(body.phoneBusiness, before.phone_business),
        phone_mobile: pick(body.phoneMobile, before.phone_mobile),
        time_zone: pick(body.timeZone, before.time_zone),
        status: body.status ?? before.status,
        stage: pick(body.stage, before.stage),
        owner_id: owner.ownerId,
        business_unit_id: owner.businessUnitId,
        do_not_email: body.doNotEmail === undefined ? before.do_not_email : body.doNotEmail ? 1 : 0,
        do_not_call: body.doNotCall === undefined ? before.do_not_call : body.doNotCall ? 1 : 0,
        custom_json: JSON.stringify(mergeCustomValues(parseCustomJson(before.custom_json), custom.values)),
        updated_at: deps.clock.now(),
      };
      await db.transaction().execute(async (trx) => {
        await updateRecordRow(trx, after);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: before.owner_id === after.owner_id ? 'record.update' : 'record.reassign',
          resourceType: 'record',
          resourceId: before.id,
          before,
          after,
          at: after.updated_at,
        });
        await notifyRecordChanged(trx, deps, before, after, actor.userId);
      });
      return gridRow(deps, actor.orgId, before.id);
    },
  );

  app.delete(
    '/api/records/:id',
    {
      schema: {
        tags: ['records'],
        summary: 'Delete a record (disconnect it from its sequence first)',
        params: z.object({ id: z.string().max(64) }),
        response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { actor, policy, row } = await loadVisibleRecord(deps, request, request.params.id);
      enforce(
        decideRecord(actor, policy, 'edit', { ownerId: row.owner_id, businessUnitId: row.business_unit_id }),
        'Record',
      );
      const now = deps.clock.now();
      await deps.store.db.transaction().execute(async (trx) => {
        if (await hasLiveConnection(trx, actor.orgId, row.id)) {
          throw new HttpProblem(
            409,
            'record_connected',
            'The record is connected to a sequence; disconnect it before deleting it',
          );
        }
        await deleteRecordRow(trx, actor.orgId, row.id);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'record.delete',
          resourceType: 'record',
          resourceId: row.id,
          before: row,
          at: now,
        });
      });
      return reply.code(204).send(null);
    },
  );
}

/** The CLI import and the demo seed notify the engine of inserted records the way the API does. */
export { notifyRecordsInserted } from './record-route-support.ts';
