import { z } from 'zod';
import { isWithinUnit } from '../../domain/permissions/permissions.ts';
import { onUnitsChanged } from '../../engine/user-changes.ts';
import { newId } from '../../store/ids.ts';
import {
  businessUnitContents,
  deleteBusinessUnit,
  findBusinessUnit,
  insertBusinessUnit,
  listBusinessUnits,
  updateBusinessUnit,
} from '../../store/repos/admin-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { listSsoProviders } from '../../store/repos/sso-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireOrgPermission } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';
import {
  BusinessUnitSchema,
  conflict,
  ensureUniqueSiblingName,
  errors,
  IdParams,
  UnitId,
  UnitName,
} from './admin-route-support.ts';

/** Administration of the business unit tree. */
export async function adminUnitRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/admin/business-units',
    {
      schema: {
        tags: ['admin'],
        summary: 'The business unit tree, as a flat list with parent ids',
        response: { 200: z.object({ items: z.array(BusinessUnitSchema) }), ...errors },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      return { items: await listBusinessUnits(deps.store.db, actor.orgId) };
    },
  );

  app.post(
    '/api/admin/business-units',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a business unit under a parent (null: a top-level unit)',
        body: z.strictObject({ name: UnitName, parentId: UnitId.nullable() }),
        response: { 201: BusinessUnitSchema, ...errors, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const { name, parentId } = request.body;
      const now = deps.clock.now();
      const id = newId(now);
      const unit = await deps.store.db.transaction().execute(async (trx) => {
        const units = await listBusinessUnits(trx, actor.orgId);
        if (parentId !== null && !units.some((u) => u.id === parentId)) {
          throw new HttpProblem(400, 'unknown_business_unit', 'No such parent business unit', [
            { path: ['body', 'parentId'], code: 'unknown_business_unit', message: 'No such business unit' },
          ]);
        }
        ensureUniqueSiblingName(units, name, parentId, null);
        await insertBusinessUnit(trx, { orgId: actor.orgId, id, name, parentId, now });
        const created = { id, name, parentId, createdAt: now };
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'business_unit.created',
          resourceType: 'business_unit',
          resourceId: id,
          after: { name, parentId },
          at: now,
        });
        return created;
      });
      return reply.code(201).send(unit);
    },
  );

  app.patch(
    '/api/admin/business-units/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rename a business unit or move it under another parent',
        params: IdParams,
        body: z.strictObject({ name: UnitName.optional(), parentId: UnitId.nullable().optional() }),
        response: { 200: BusinessUnitSchema, ...errors, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const body = request.body;
      const now = deps.clock.now();
      return deps.store.db.transaction().execute(async (trx) => {
        const units = await listBusinessUnits(trx, actor.orgId);
        const unit = units.find((u) => u.id === request.params.id);
        if (!unit) throw notFoundProblem('Business unit');
        const parentId = body.parentId === undefined ? unit.parentId : body.parentId;
        const name = body.name ?? unit.name;
        if (parentId !== null) {
          if (!units.some((u) => u.id === parentId)) {
            throw new HttpProblem(400, 'unknown_business_unit', 'No such parent business unit', [
              { path: ['body', 'parentId'], code: 'unknown_business_unit', message: 'No such business unit' },
            ]);
          }
          const tree = { businessUnits: units, featureRoles: null };
          if (isWithinUnit(tree, unit.id, parentId)) {
            throw conflict('business_unit_cycle', 'A unit cannot move under itself or its own children', [
              'body',
              'parentId',
            ]);
          }
        }
        ensureUniqueSiblingName(units, name, parentId, unit.id);
        await updateBusinessUnit(trx, actor.orgId, unit.id, { name, parent_id: parentId });
        // Steps handed to colleagues of records now out of their branch go back to the records' owners.
        const stepsReturned =
          parentId !== unit.parentId
            ? await onUnitsChanged(trx, { orgId: actor.orgId, actorId: actor.userId, now })
            : 0;
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'business_unit.updated',
          resourceType: 'business_unit',
          resourceId: unit.id,
          before: { name: unit.name, parentId: unit.parentId },
          after: { name, parentId, ...(stepsReturned > 0 ? { stepsReturned } : {}) },
          at: now,
        });
        return { ...unit, name, parentId };
      });
    },
  );

  app.delete(
    '/api/admin/business-units/:id',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Delete an empty business unit (no users, child units, sequences or records, and no single sign-on ' +
          'provider placing people in it)',
        params: IdParams,
        response: { 204: z.null(), ...errors, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const now = deps.clock.now();
      await deps.store.db.transaction().execute(async (trx) => {
        const unit = await findBusinessUnit(trx, actor.orgId, request.params.id);
        if (!unit) throw notFoundProblem('Business unit');
        const contents = await businessUnitContents(trx, actor.orgId, unit.id);
        // A single sign-on provider places new people (and mapped groups) in a unit: it must not name a lost one.
        const ssoProviders = (await listSsoProviders(trx, actor.orgId)).filter(
          (p) =>
            p.default_business_unit_id === unit.id || mappedUnits(p.group_mappings_json).includes(unit.id),
        ).length;
        const left = Object.entries({ ...contents, ssoProviders }).filter(([, n]) => n > 0);
        if (left.length > 0) {
          throw new HttpProblem(
            409,
            'business_unit_not_empty',
            `The business unit still has ${left.map(([what, n]) => `${n} ${what}`).join(', ')}; move them first`,
            left.map(([what, n]) => ({ path: [what], code: 'not_empty', message: `${n} ${what}` })),
          );
        }
        await deleteBusinessUnit(trx, actor.orgId, unit.id);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'business_unit.deleted',
          resourceType: 'business_unit',
          resourceId: unit.id,
          before: { name: unit.name, parentId: unit.parentId },
          at: now,
        });
      });
      return reply.code(204).send(null);
    },
  );
}

/** The units a provider's group mappings place people in (stored JSON; unreadable counts as none). */
function mappedUnits(json: string): string[] {
  try {
    const mappings: unknown = JSON.parse(json);
    return Array.isArray(mappings)
      ? mappings.flatMap((m) =>
          m && typeof m === 'object' && typeof m.businessUnitId === 'string'
            ? [m.businessUnitId as string]
            : [],
        )
      : [];
  } catch {
    return [];
  }
}
