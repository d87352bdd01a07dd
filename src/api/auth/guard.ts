import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/identity.ts';
import { parseOrgSettings } from '../../domain/org-settings.ts';
import {
  ADMIN_SCOPE_PERMISSION,
  type Decision,
  decideOrg,
  type OrgAction,
  type OrgPolicy,
} from '../../domain/permissions/permissions.ts';
import { orgSettingsJson } from '../../store/queries/directory-lookups.ts';
import { loadUnitTree } from '../../store/repos/sequence-access-repo.ts';
import type { AppDeps } from '../deps.ts';
import { forbidden, notFoundProblem } from '../problems.ts';
import { requireActor } from './authenticate.ts';
import { requestCache } from './request-cache.ts';
import { insufficientScope } from './scopes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    orgPolicy?: OrgPolicy;
  }
}

/**
 * The organisation's permission inputs (business unit tree, feature roles), loaded once per request and kept by
 * the per-process cache (both tables are among those whose writes empty it). Shared between requests: read-only.
 */
export async function loadPolicy(deps: AppDeps, request: FastifyRequest, orgId: string): Promise<OrgPolicy> {
  if (request.orgPolicy) return request.orgPolicy;
  request.orgPolicy = await requestCache(deps.store).get(`policy\n${orgId}`, async () => {
    const [businessUnits, settings] = await Promise.all([
      loadUnitTree(deps.store.db, orgId),
      orgSettingsJson(deps.store.db, orgId),
    ]);
    const policy: OrgPolicy = { businessUnits, featureRoles: parseOrgSettings(settings).featureRoles };
    return Object.freeze(policy);
  });
  return request.orgPolicy;
}

/** Turns a refusal into 404 (not visible: do not leak existence) or 403 naming the missing permission. */
export function enforce(decision: Decision, what: string): void {
  if (decision.allowed) return;
  if (!decision.visible) throw notFoundProblem(what);
  if (decision.permission === ADMIN_SCOPE_PERMISSION) throw insufficientScope('admin');
  throw forbidden(decision.permission, `${decision.reason} (missing permission: ${decision.permission})`);
}

/** The actor, after checking an organisation-wide permission (admin API, tag management, reports). */
export async function requireOrgPermission(
  deps: AppDeps,
  request: FastifyRequest,
  action: OrgAction,
): Promise<Actor> {
  const actor = requireActor(request);
  enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), action), 'Resource');
  return actor;
}
