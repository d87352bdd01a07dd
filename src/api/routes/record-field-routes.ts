import { z } from 'zod';
import { parseOrgSettings } from '../../domain/org-settings.ts';
import { decideOrg } from '../../domain/permissions/permissions.ts';
import {
  normaliseOptions,
  RecordFieldCreateSchema,
  RecordFieldPatchSchema,
} from '../../domain/records/custom-fields.ts';
import { RECORD_TYPES } from '../../domain/sequence/definition.ts';
import { FIELD_TYPES } from '../../domain/sequence/fields.ts';
import { findOrg } from '../../store/repos/admin-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  deleteRecordField,
  findRecordField,
  findRecordFieldByName,
  insertRecordField,
  listRecordFields,
  type RecordField,
  updateRecordField,
} from '../../store/repos/record-fields-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

export const RecordFieldSchema = z
  .object({
    id: z.string(),
    recordType: z.enum(RECORD_TYPES),
    name: z.string(),
    label: z.string(),
    type: z.enum(FIELD_TYPES),
    options: z.array(z.object({ value: z.string(), label: z.string() })).nullable(),
    createdAt: z.number(),
  })
  .meta({ id: 'RecordField' });
export type RecordFieldDto = z.infer<typeof RecordFieldSchema>;

const toDto = (field: RecordField): z.infer<typeof RecordFieldSchema> => ({
  id: field.id,
  recordType: field.recordType,
  name: field.name,
  label: field.label,
  type: field.type,
  options: field.options ?? null,
  createdAt: Number(field.createdAt),
});

const IdParams = z.object({ id: z.string().max(64) });

export async function recordFieldRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/stages',
    {
      schema: {
        tags: ['records'],
        summary: 'The organisation’s business-process stages: key (stored, compared) and display name',
        response: { 200: z.object({ items: z.array(z.object({ key: z.string(), name: z.string() })) }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const org = await findOrg(deps.store.db, actor.orgId);
      return { items: parseOrgSettings(org?.settings_json ?? '{}').stages };
    },
  );

  app.get(
    '/api/record-fields',
    {
      schema: {
        tags: ['records'],
        summary: 'Custom record fields (everyone reads them; admins manage them)',
        querystring: z.object({ recordType: z.enum(RECORD_TYPES).optional() }),
        response: { 200: z.object({ items: z.array(RecordFieldSchema) }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const fields = await listRecordFields(deps.store.db, actor.orgId, request.query.recordType);
      return { items: fields.map(toDto) };
    },
  );

  app.post(
    '/api/record-fields',
    {
      schema: {
        tags: ['records'],
        summary: 'Define a custom field for a record type (admins)',
        body: RecordFieldCreateSchema,
        response: { 201: RecordFieldSchema, 400: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org'), 'Organisation');
      const body = request.body;
      const db = deps.store.db;
      const now = deps.clock.now();
      const field = await db.transaction().execute(async (trx) => {
        if (await findRecordFieldByName(trx, actor.orgId, body.recordType, body.name)) {
          throw new HttpProblem(
            409,
            'field_exists',
            `A ${body.recordType} field named "${body.name}" exists`,
            [{ path: ['body', 'name'], code: 'field_exists', message: 'Choose another name' }],
          );
        }
        const options = normaliseOptions(body.type, body.options);
        const created = await insertRecordField(
          trx,
          actor.orgId,
          {
            recordType: body.recordType,
            name: body.name,
            label: body.label,
            type: body.type,
            ...(options ? { options } : {}),
          },
          now,
        );
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'record_field.create',
          resourceType: 'record_field',
          resourceId: created.id,
          after: created,
          at: now,
        });
        return created;
      });
      return reply.code(201).send(toDto(field));
    },
  );

  app.patch(
    '/api/record-fields/:id',
    {
      schema: {
        tags: ['records'],
        summary: 'Rename a custom field or change its options (admins); name, record type and type are fixed',
        params: IdParams,
        body: RecordFieldPatchSchema,
        response: { 200: RecordFieldSchema, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org'), 'Organisation');
      const db = deps.store.db;
      const before = await findRecordField(db, actor.orgId, request.params.id);
      if (!before) throw notFoundProblem('Record field');
      const { label, options } = request.body;
      if (options !== undefined) {
        if (before.type !== 'option_set' && before.type !== 'two_options') {
          throw new HttpProblem(
            400,
            'validation_failed',
            'Only option sets and two-options fields have options',
            [
              {
                path: ['body', 'options'],
                code: 'no_options',
                message: `A ${before.type} field has no options`,
              },
            ],
          );
        }
        const values = options.map((option) => option.value);
        const badTwo =
          before.type === 'two_options' &&
          (values.length !== 2 || !values.includes('true') || !values.includes('false'));
        if (badTwo || options.length === 0 || new Set(values).size !== values.length) {
          throw new HttpProblem(400, 'validation_failed', 'The options are not valid', [
            {
              path: ['body', 'options'],
              code: 'invalid_options',
              message: badTwo
                ? 'Two options are exactly the values "true" and "false"'
                : 'Give at least one option, with unique values',
            },
          ]);
        }
      }
      const now = deps.clock.now();
      await db.transaction().execute(async (trx) => {
        await updateRecordField(trx, actor.orgId, before.id, {
          ...(label !== undefined ? { label } : {}),
          ...(options !== undefined ? { options } : {}),
        });
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'record_field.update',
          resourceType: 'record_field',
          resourceId: before.id,
          before,
          after: request.body,
          at: now,
        });
      });
      return toDto((await findRecordField(db, actor.orgId, before.id))!);
    },
  );

  app.delete(
    '/api/record-fields/:id',
    {
      schema: {
        tags: ['records'],
        summary: 'Delete a custom field definition (admins); stored values are no longer shown',
        params: IdParams,
        response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org'), 'Organisation');
      const db = deps.store.db;
      const before = await findRecordField(db, actor.orgId, request.params.id);
      if (!before) throw notFoundProblem('Record field');
      const now = deps.clock.now();
      await db.transaction().execute(async (trx) => {
        await deleteRecordField(trx, actor.orgId, before.id);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'record_field.delete',
          resourceType: 'record_field',
          resourceId: before.id,
          before,
          at: now,
        });
      });
      return reply.code(204).send(null);
    },
  );
}
