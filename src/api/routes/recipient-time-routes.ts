import { z } from 'zod';
import { parseOrgSettings } from '../../domain/org-settings.ts';
import { decideOrg, decideSequence } from '../../domain/permissions/permissions.ts';
import { placeOf } from '../../domain/schedule/infer-zone.ts';
import { recordZone } from '../../domain/schedule/record-zone.ts';
import { recipientZones } from '../../mail/recipient-zones.ts';
import { sequenceForInsights } from '../../store/repos/insights-repo.ts';
import { listScheduledEmails, loadRecipientZoneRows } from '../../store/repos/recipient-zones-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { notFoundProblem, ProblemSchema } from '../problems.ts';
import { loadRecordFor } from './connection-route-support.ts';
import { visibleSenders } from './outbox-routes.ts';

/**
 * Time in the recipient's zone (issue 13): which zone a record is read in and where it came from (its own field,
 * or inferred from its city, region, country or phone number, or the default), and the scheduled automated
 * emails of a sequence with their recipient's zone, so the UI shows "scheduled for" in both zones.
 */
const ZONE_SOURCES = ['record', 'city', 'region', 'country', 'phone', 'default'] as const;

export const RecordTimeZoneSchema = z
  .object({
    zone: z.string(),
    source: z.enum(ZONE_SOURCES),
    inferred: z.boolean(),
  })
  .meta({ id: 'RecordTimeZone' });

export const ScheduledEmailSchema = z
  .object({
    id: z.string(),
    to: z.string(),
    subject: z.string(),
    recordId: z.string().nullable(),
    scheduledFor: z.number(),
    holdReason: z.string().nullable(),
    recipientTimeZone: z.string(),
  })
  .meta({ id: 'ScheduledEmail' });

export async function recipientTimeRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/records/:id/time-zone',
    {
      schema: {
        tags: ['records'],
        summary:
          "The record's time zone: its own, or inferred (city, region, country, phone), or the default",
        params: z.strictObject({ id: z.string().max(64) }),
        response: { 200: RecordTimeZoneSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const record = await loadRecordFor(deps, request, actor, request.params.id, 'view');
      const rows = await loadRecipientZoneRows(
        deps.store.db,
        actor.orgId,
        [],
        record.owner_id ? [record.owner_id] : [],
      );
      let custom: Record<string, unknown> = {};
      try {
        custom = JSON.parse(record.custom_json) as Record<string, unknown>;
      } catch {
        custom = {};
      }
      const ownerZone = rows.users[0]?.time_zone ?? null;
      const orgZone = rows.orgSettingsJson ? parseOrgSettings(rows.orgSettingsJson).timeZone : null;
      return recordZone({
        recordZone: record.time_zone,
        place: placeOf(custom && typeof custom === 'object' ? custom : {}),
        phones: [record.phone_business, record.phone_mobile],
        defaultZone: ownerZone ?? orgZone,
      });
    },
  );

  app.get(
    '/api/sequences/:id/scheduled-emails',
    {
      schema: {
        tags: ['insights'],
        summary: "The sequence's queued automated emails, soonest first, with the recipient's zone",
        params: z.strictObject({ id: z.string().max(64) }),
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: {
          200: z.object({ items: z.array(ScheduledEmailSchema) }),
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      const sequence = await sequenceForInsights(deps.store.db, actor.orgId, request.params.id);
      if (!sequence) throw notFoundProblem('Sequence');
      enforce(decideSequence(actor, policy, 'view', sequence.ref), 'Sequence');
      enforce(decideOrg(actor, policy, 'view_reports'), 'Sequence');
      const rows = await listScheduledEmails(deps.store.db, actor.orgId, {
        sequenceId: sequence.id,
        senderIn: await visibleSenders(deps, request, actor),
        limit: request.query.limit,
      });
      const zones = await recipientZones(deps.store.db, actor.orgId, rows);
      return {
        items: rows.map((row) => ({
          id: row.id,
          to: row.to_address,
          subject: row.subject,
          recordId: row.record_id,
          scheduledFor: row.not_before,
          holdReason: row.hold_reason,
          recipientTimeZone: zones.get(row.id)?.zone ?? 'UTC',
        })),
      };
    },
  );
}
