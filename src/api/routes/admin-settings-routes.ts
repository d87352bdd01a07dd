import {
  applyOrgSettingsPatch,
  OrgSettingsOutSchema,
  OrgSettingsPatchSchema,
  parseOrgSettings,
} from '../../domain/org-settings.ts';
import { findOrg, setOrgSettings } from '../../store/repos/admin-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireOrgPermission } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { errors, pickKeys, safeObject } from './admin-route-support.ts';

/** The organisation's settings. */
export async function adminSettingsRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/admin/settings',
    {
      schema: {
        tags: ['admin'],
        summary: 'Organisation settings (feature roles, time zone, holidays, working hours, mail limits)',
        response: { 200: OrgSettingsOutSchema, ...errors },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const org = await findOrg(deps.store.db, actor.orgId);
      return parseOrgSettings(org?.settings_json ?? '{}');
    },
  );

  app.patch(
    '/api/admin/settings',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change organisation settings; fields left out keep their value',
        body: OrgSettingsPatchSchema,
        response: { 200: OrgSettingsOutSchema, ...errors },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const now = deps.clock.now();
      return deps.store.db.transaction().execute(async (trx) => {
        const org = await findOrg(trx, actor.orgId);
        const before = parseOrgSettings(org?.settings_json ?? '{}');
        const after = applyOrgSettingsPatch(before, request.body);
        // Keep keys other modules may have stored beside ours.
        const stored = safeObject(org?.settings_json);
        await setOrgSettings(trx, actor.orgId, JSON.stringify({ ...stored, ...after }));
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'org.settings_updated',
          resourceType: 'org',
          resourceId: actor.orgId,
          before: pickKeys(before, Object.keys(request.body)),
          after: pickKeys(after, Object.keys(request.body)),
          at: now,
        });
        return after;
      });
    },
  );
}
