import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Problem } from '../../domain/errors.ts';
import type { Actor } from '../../domain/identity.ts';
import { isWithinUnit, type OrgPolicy } from '../../domain/permissions/permissions.ts';
import { RECORD_STATUSES } from '../../domain/records/record-schemas.ts';
import { RECORD_TYPES } from '../../domain/sequence/definition.ts';
import { onRecordChanged } from '../../engine/record-changes.ts';
import { userPlacement } from '../../store/queries/directory-lookups.ts';
import {
  findRecord,
  listRecordGrid,
  parseCustomJson,
  RECORD_SORTS,
  type RecordGridRow,
  type RecordRow,
  type RecordVisibility,
} from '../../store/repos/records-repo.ts';
import { enabledSegmentsFor } from '../../store/repos/segments-repo.ts';
import type { Database } from '../../store/schema.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { PageQuerySchema } from '../pagination.ts';
import { HttpProblem, notFoundProblem } from '../problems.ts';
import { decideRecordFor } from './connection-route-support.ts';

export const RecordSchema = z
  .object({
    id: z.string(),
    type: z.enum(RECORD_TYPES),
    name: z.string(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    company: z.string().nullable(),
    jobTitle: z.string().nullable(),
    email: z.string().nullable(),
    phoneBusiness: z.string().nullable(),
    phoneMobile: z.string().nullable(),
    timeZone: z.string().nullable(),
    status: z.enum(RECORD_STATUSES),
    stage: z.string().nullable(),
    ownerId: z.string(),
    ownerName: z.string().nullable(),
    businessUnitId: z.string(),
    doNotEmail: z.boolean(),
    doNotCall: z.boolean(),
    custom: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    /** The live connection (active or paused), if any. */
    sequence: z
      .object({ id: z.string(), name: z.string().nullable(), connectionId: z.string(), status: z.string() })
      .nullable(),
    /** The connection's current step (due or waiting), if any. */
    currentStep: z
      .object({
        id: z.string(),
        name: z.string(),
        kind: z.string(),
        status: z.string(),
        dueAt: z.number().nullable(),
      })
      .nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Record' });
export type RecordDto = z.infer<typeof RecordSchema>;

/** GET /api/records/:id: the record plus whether the viewer follows it (the record page's Follow button). */
export const RecordDetailSchema = RecordSchema.extend({ followed: z.boolean() }).meta({ id: 'RecordDetail' });

/**
 * Tells the engine a record changed (closed records leave their sequence, an owner change moves open steps,
 * segments re-evaluate), inside the change's transaction. `before` is null for a new record.
 */
export async function notifyRecordChanged(
  trx: Kysely<Database>,
  deps: Pick<AppDeps, 'clock'>,
  before: RecordRow | null,
  after: RecordRow,
  actorId: string | null,
): Promise<void> {
  await onRecordChanged(trx, deps, before, after, { actorId });
}

/**
 * The same for a batch of new records (imports, seed). A new record has no connection yet, so only segments
 * can act on it: when its type has no enabled segment the per-row calls are skipped.
 */
export async function notifyRecordsInserted(
  trx: Kysely<Database>,
  deps: Pick<AppDeps, 'clock'>,
  rows: RecordRow[],
  actorId: string | null,
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  if ((await enabledSegmentsFor(trx, first.org_id, first.type)).length === 0) return;
  for (const row of rows) await onRecordChanged(trx, deps, null, row, { actorId });
}

export type GridLike = RecordRow & Partial<Omit<RecordGridRow, keyof RecordRow>>;

export function toRecordDto(row: GridLike): RecordDto {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    firstName: row.first_name,
    lastName: row.last_name,
    company: row.company,
    jobTitle: row.job_title,
    email: row.email,
    phoneBusiness: row.phone_business,
    phoneMobile: row.phone_mobile,
    timeZone: row.time_zone,
    status: row.status,
    stage: row.stage,
    ownerId: row.owner_id,
    ownerName: row.owner_name ?? null,
    businessUnitId: row.business_unit_id,
    doNotEmail: row.do_not_email === 1,
    doNotCall: row.do_not_call === 1,
    custom: parseCustomJson(row.custom_json),
    sequence:
      row.connection_id && row.sequence_id
        ? {
            id: row.sequence_id,
            name: row.sequence_name ?? null,
            connectionId: row.connection_id,
            status: row.connection_status ?? 'active',
          }
        : null,
    currentStep:
      row.step_id && row.step_name && row.step_kind && row.step_status
        ? {
            id: row.step_id,
            name: row.step_name,
            kind: row.step_kind,
            status: row.step_status,
            dueAt: row.step_due_at ?? null,
          }
        : null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The rows of the grid a user may see (mirrors `decideRecord`'s visibility rule). */
export function recordVisibility(actor: Actor, policy: OrgPolicy): RecordVisibility {
  if (actor.roles.includes('admin')) return { all: true };
  const manages = actor.roles.includes('sales_manager') || actor.roles.includes('sequence_manager');
  return {
    all: false,
    userId: actor.userId,
    businessUnitIds: manages
      ? policy.businessUnits
          .filter((unit) => isWithinUnit(policy, actor.businessUnitId, unit.id))
          .map((unit) => unit.id)
      : [],
  };
}

export const validation = (problems: Problem[]) =>
  new HttpProblem(400, 'validation_failed', 'The request is not valid; see `problems`.', problems);

export const YesNo = z
  .enum(['true', 'false', 'yes', 'no', '1', '0'])
  .transform((value) => value === 'true' || value === 'yes' || value === '1');

export const GridQuerySchema = PageQuerySchema.extend({
  type: z.enum(RECORD_TYPES).optional(),
  q: z.string().max(200).optional(),
  status: z
    .string()
    .max(200)
    .transform((value) => value.split(',').filter(Boolean))
    .pipe(z.array(z.enum(RECORD_STATUSES)))
    .optional(),
  ownerId: z.string().max(64).optional(),
  stage: z.string().max(100).optional(),
  inSequence: YesNo.optional(),
  sequenceId: z.string().max(64).optional(),
  sort: z
    .string()
    .regex(
      new RegExp(`^-?(${RECORD_SORTS.join('|')})$`),
      `One of ${RECORD_SORTS.join(', ')}; "-" for descending`,
    )
    .default('name'),
});

export const CursorShape = z.object({ k: z.union([z.string(), z.number()]), id: z.string(), s: z.string() });

export async function ownerRef(db: Kysely<Database>, orgId: string, userId: string) {
  const user = await userPlacement(db, orgId, userId);
  return user && user.active === 1 ? { ownerId: user.id, businessUnitId: user.business_unit_id } : undefined;
}

/** Loads a record the actor may see, or 404s. */
export async function loadVisibleRecord(deps: AppDeps, request: FastifyRequest, id: string) {
  const actor = requireActor(request);
  const policy = await loadPolicy(deps, request, actor.orgId);
  const row = await findRecord(deps.store.db, actor.orgId, id);
  if (!row) throw notFoundProblem('Record');
  enforce(await decideRecordFor(deps, actor, policy, 'view', row), 'Record');
  return { actor, policy, row };
}

export async function gridRow(deps: AppDeps, orgId: string, id: string): Promise<RecordDto> {
  const [row] = await listRecordGrid(
    deps.store.db,
    orgId,
    { all: true },
    {
      id,
      sort: 'name',
      descending: false,
      limit: 1,
    },
  );
  if (!row) throw notFoundProblem('Record');
  return toRecordDto(row);
}
