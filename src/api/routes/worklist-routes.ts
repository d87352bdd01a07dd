import { serializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseOrgSettings } from '../../domain/org-settings.ts';
import { isWithinUnit } from '../../domain/permissions/permissions.ts';
import { RECORD_TYPES } from '../../domain/sequence/definition.ts';
import { DUE_BUCKETS, dueRange, isOverdue, MANUAL_KINDS } from '../../domain/worklist/steps.ts';
import { orgSettingsJson, userPlacement } from '../../store/queries/directory-lookups.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { loadDefinitions } from '../../store/repos/connections-repo.ts';
import { writeTransaction } from '../../store/repos/engine-repo.ts';
import {
  queryWorklist,
  setFollow,
  WORKLIST_SORTS,
  type WorklistCursor,
  worklistCursorOf,
} from '../../store/repos/worklist-repo.ts';
import type { RecordType } from '../../store/schema.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import { requestCache } from '../auth/request-cache.ts';
import type { AppDeps } from '../deps.ts';
import { decodeCursor, PageQuerySchema, pageSchema, toPage } from '../pagination.ts';
import { forbidden, notFoundProblem, ProblemSchema } from '../problems.ts';
import { loadRecordFor } from './connection-route-support.ts';

const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .max(1000)
    .transform((value) => value.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)).max(20));
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const WorklistItemSchema = z
  .object({
    step: z.object({
      id: z.string(),
      connectionId: z.string(),
      nodeId: z.string(),
      kind: z.string(),
      name: z.string(),
      description: z.string().nullable(),
      dueAt: z.number().nullable(),
      overdue: z.boolean(),
      status: z.string(),
      priority: z.number(),
      read: z.boolean(),
    }),
    record: z.object({
      id: z.string(),
      name: z.string(),
      type: z.enum(RECORD_TYPES),
      company: z.string().nullable(),
      email: z.string().nullable(),
      /** Business first, then mobile. */
      phones: z.array(z.object({ kind: z.enum(['business', 'mobile']), number: z.string() })),
      doNotCall: z.boolean(),
    }),
    sequence: z.object({ id: z.string(), name: z.string() }),
    /** The viewer follows the record. */
    followed: z.boolean(),
  })
  .meta({ id: 'WorklistItem' });

const WorklistQuery = PageQuerySchema.extend({
  due: z.enum(DUE_BUCKETS).optional(),
  kind: listOf(MANUAL_KINDS as unknown as [string, ...string[]]).optional(),
  recordType: listOf(RECORD_TYPES).optional(),
  sequenceId: z
    .string()
    .max(2000)
    .transform((value) => value.split(',').filter(Boolean))
    .pipe(z.array(z.string().min(1).max(100)).max(50))
    .optional(),
  unread: flag.optional(),
  followed: flag.optional(),
  sort: z.enum(WORKLIST_SORTS).default('due'),
  ownerId: z.string().min(1).max(100).optional(),
});

const CursorShape = z.object({ k: z.string().optional(), d: z.number(), p: z.number(), i: z.string() });

export async function worklistRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const cache = requestCache(deps.store);
  app.get(
    '/api/worklist',
    {
      schema: {
        tags: ['worklist'],
        summary: 'The caller’s due and overdue manual steps (next 30 days), filtered and sorted, paginated',
        querystring: WorklistQuery,
        response: {
          200: pageSchema(WorklistItemSchema),
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
      // The page is built field by field from typed rows below, and the type provider checks the handler's
      // result against the 200 schema at compile time; re-parsing it with zod on every request copied each item
      // and cost about a twentieth of the request's CPU under load. Problems keep the checked serialiser.
      serializerCompiler: (route) =>
        route.httpStatus === '200'
          ? (data: unknown) => JSON.stringify(data)
          : serializerCompiler(route as unknown as Parameters<typeof serializerCompiler>[0]),
    },
    async (request) => {
      const actor = requireActor(request);
      const q = request.query;
      const ownerId = q.ownerId ?? actor.userId;
      if (ownerId !== actor.userId) {
        const managerRoles = ['sales_manager', 'sequence_manager', 'admin'] as const;
        if (!actor.roles.some((role) => (managerRoles as readonly string[]).includes(role))) {
          throw forbidden('worklist.view_others', 'Only managers may see another seller’s work list');
        }
        const owner = await userPlacement(deps.store.db, actor.orgId, ownerId);
        const policy = await loadPolicy(deps, request, actor.orgId);
        if (
          !owner ||
          (!actor.roles.includes('admin') &&
            !isWithinUnit(policy, actor.businessUnitId, owner.business_unit_id))
        ) {
          throw notFoundProblem('User');
        }
      }
      // The viewer's zone (theirs, else the organisation's) decides the due buckets; both change only through
      // the tables the per-process cache watches.
      const timeZone = await cache.get(`zone\n${actor.orgId}\n${actor.userId}`, async () => {
        const [viewer, settings] = await Promise.all([
          userPlacement(deps.store.db, actor.orgId, actor.userId),
          orgSettingsJson(deps.store.db, actor.orgId),
        ]);
        return viewer?.time_zone ?? parseOrgSettings(settings).timeZone;
      });
      const now = deps.clock.now();
      const range = dueRange(q.due, now, timeZone);
      const after = decodeCursor(q.cursor, CursorShape) as WorklistCursor | undefined;
      const rows = await queryWorklist(deps.store.db, {
        orgId: actor.orgId,
        ownerId,
        viewerId: actor.userId,
        dueFrom: range.from,
        dueTo: range.to,
        kinds: q.kind,
        recordTypes: q.recordType as RecordType[] | undefined,
        sequenceIds: q.sequenceId,
        unread: q.unread,
        followed: q.followed,
        sort: q.sort,
        limit: q.limit,
        after,
      });
      // Sequence versions never change once written: their parsed definitions are kept a moment too.
      const versionIds = [...new Set(rows.slice(0, q.limit).map((row) => row.version_id))].sort();
      const definitions = await cache.get(`definitions\n${actor.orgId}\n${versionIds.join(',')}`, () =>
        loadDefinitions(deps.store.db, actor.orgId, versionIds),
      );
      return toPage(
        rows,
        q.limit,
        (row) => {
          const node = definitions.get(row.version_id)?.definition?.nodes.find((n) => n.id === row.node_id);
          const phones: { kind: 'business' | 'mobile'; number: string }[] = [];
          if (row.record_phone_business) phones.push({ kind: 'business', number: row.record_phone_business });
          if (row.record_phone_mobile) phones.push({ kind: 'mobile', number: row.record_phone_mobile });
          return {
            step: {
              id: row.id,
              connectionId: row.connection_id,
              nodeId: row.node_id,
              kind: row.kind,
              name: row.name,
              description: node && 'description' in node ? (node.description ?? null) : null,
              dueAt: row.due_at,
              overdue: isOverdue(row.due_at, now),
              status: row.status,
              priority: row.priority,
              read: row.read_at !== null,
            },
            record: {
              id: row.record_id,
              name: row.record_name,
              type: row.record_type,
              company: row.record_company,
              email: row.record_email,
              phones,
              doNotCall: row.record_do_not_call === 1,
            },
            sequence: { id: row.sequence_id, name: row.sequence_name },
            // SQLite answers EXISTS with 0/1, PostgreSQL with a boolean.
            followed: Boolean(row.followed),
          };
        },
        (row) => ({ ...worklistCursorOf(q.sort, row) }) as Record<string, string | number>,
      );
    },
  );

  for (const method of ['POST', 'DELETE'] as const) {
    app.route({
      method,
      url: '/api/records/:id/follow',
      schema: {
        tags: ['worklist'],
        summary:
          method === 'POST' ? 'Follow a record (work list filter “followed”)' : 'Stop following a record',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: z.object({ recordId: z.string(), following: z.boolean() }), 404: ProblemSchema },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        const { id } = request.params as { id: string };
        await loadRecordFor(deps, request, actor, id, 'view');
        const now = deps.clock.now();
        const follow = method === 'POST';
        await writeTransaction(deps.store, async (trx) => {
          await setFollow(trx, { orgId: actor.orgId, userId: actor.userId, recordId: id, follow, now });
          await recordAudit(trx, {
            orgId: actor.orgId,
            actorId: actor.userId,
            action: follow ? 'record.follow' : 'record.unfollow',
            resourceType: 'record',
            resourceId: id,
            at: now,
          });
        });
        return { recordId: id, following: follow };
      },
    });
  }
}
