import { z } from 'zod';
import { toCsv } from '../../domain/csv.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  addSuppression,
  listSuppressions,
  removeSuppression,
  type SuppressionRow,
  suppressionAddress,
} from '../../store/repos/suppressions-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireOrgPermission } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';

/**
 * The organisation's suppression list (admins): list and search, export as CSV, add by hand, remove. Hard
 * bounces and complaints add addresses automatically; nothing is sent to a listed address and no record with it
 * is connected to a sequence that sends email.
 */

export const SuppressionSchema = z
  .object({
    address: z.string(),
    reason: z.enum(['hard_bounce', 'complaint', 'unsubscribe', 'manual']),
    detail: z.string().nullable(),
    outboundMessageId: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.number().int(),
  })
  .meta({ id: 'Suppression' });

const toItem = (row: SuppressionRow) => ({
  address: row.address,
  reason: row.reason,
  detail: row.detail,
  outboundMessageId: row.outbound_message_id,
  createdBy: row.created_by,
  createdAt: row.created_at,
});

const AddressParams = z.object({ address: z.string().min(3).max(320) });

export async function suppressionRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/suppressions',
    {
      schema: {
        tags: ['mail'],
        summary: 'Suppressed addresses, newest first; search by part of the address (admins)',
        querystring: PageQuerySchema.extend({ search: z.string().min(1).max(320).optional() }),
        response: {
          200: pageSchema(SuppressionSchema),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const { limit, cursor, search } = request.query;
      const after = decodeCursor(cursor, z.object({ at: z.number().int(), address: z.string() }));
      const rows = await listSuppressions(deps.store.db, actor.orgId, {
        limit: limit + 1,
        ...(search ? { search } : {}),
        ...(after ? { after } : {}),
      });
      return toPage(rows, limit, toItem, (row) => ({ at: row.created_at, address: row.address }));
    },
  );

  app.get(
    '/api/suppressions/export',
    {
      schema: {
        tags: ['mail'],
        summary: 'The whole suppression list as CSV (admins)',
        response: { 200: z.string(), 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const rows: SuppressionRow[] = [];
      let after: { at: number; address: string } | undefined;
      for (;;) {
        const page = await listSuppressions(deps.store.db, actor.orgId, {
          limit: 1000,
          ...(after ? { after } : {}),
        });
        rows.push(...page);
        const last = page.at(-1);
        if (page.length < 1000 || !last) break;
        after = { at: last.created_at, address: last.address };
      }
      const csv = toCsv(
        ['address', 'reason', 'detail', 'outbound_message_id', 'created_at'],
        rows.map((row) => [
          row.address,
          row.reason,
          // What a remote server wrote: never let a spreadsheet read it as a formula.
          (row.detail ?? '').replace(/^[=+\-@\t\r]/, "'$&"),
          row.outbound_message_id ?? '',
          new Date(row.created_at).toISOString(),
        ]),
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="suppressions.csv"')
        .serializer((payload: string) => payload)
        .send(csv);
    },
  );

  app.post(
    '/api/suppressions',
    {
      schema: {
        tags: ['mail'],
        summary: 'Suppress an address by hand (admins)',
        body: z.object({ address: z.email().max(320), note: z.string().max(500).optional() }).strict(),
        response: { 201: SuppressionSchema, 200: SuppressionSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const now = deps.clock.now();
      const address = suppressionAddress(request.body.address);
      const added = await deps.store.db.transaction().execute(async (trx) => {
        const fresh = await addSuppression(trx, {
          orgId: actor.orgId,
          address,
          reason: 'manual',
          detail: request.body.note ?? null,
          outboundMessageId: null,
          createdBy: actor.userId,
          now,
        });
        if (fresh) {
          await recordAudit(trx, {
            orgId: actor.orgId,
            actorId: actor.userId,
            action: 'suppression.add',
            resourceType: 'suppression',
            resourceId: address,
            after: { reason: 'manual', note: request.body.note ?? null },
            at: now,
          });
        }
        return fresh;
      });
      const rows = await listSuppressions(deps.store.db, actor.orgId, { search: address, limit: 50 });
      const row = rows.find((r) => r.address === address);
      if (!row) throw new HttpProblem(500, 'suppression_missing', 'The address could not be suppressed');
      return reply.code(added ? 201 : 200).send(toItem(row));
    },
  );

  app.delete(
    '/api/suppressions/:address',
    {
      schema: {
        tags: ['mail'],
        summary: 'Remove an address from the suppression list: email may be sent to it again (admins)',
        params: AddressParams,
        response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireOrgPermission(deps, request, 'manage_org');
      const address = suppressionAddress(request.params.address);
      const now = deps.clock.now();
      const removed = await deps.store.db.transaction().execute(async (trx) => {
        const gone = await removeSuppression(trx, actor.orgId, address);
        if (gone) {
          await recordAudit(trx, {
            orgId: actor.orgId,
            actorId: actor.userId,
            action: 'suppression.remove',
            resourceType: 'suppression',
            resourceId: address,
            at: now,
          });
        }
        return gone;
      });
      if (!removed)
        throw new HttpProblem(404, 'not_suppressed', 'This address is not on the suppression list');
      return reply.code(204).send(null);
    },
  );
}
