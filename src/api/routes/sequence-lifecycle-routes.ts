import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SequenceDefinitionSchema } from '../../domain/sequence/definition.ts';
import { sequenceExit } from '../../engine/exit-connections.ts';
import { userName } from '../../store/queries/directory-lookups.ts';
import {
  activateSequence,
  deactivateSequence,
  findVersion,
  listVersions,
  parseStoredDefinition,
  startRevision,
} from '../../store/repos/sequences-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';
import {
  type Access,
  type Db,
  detail,
  guardSequence,
  IdParams,
  SequenceDetailSchema,
  VersionInfoSchema,
} from './sequence-route-support.ts';

/** A sequence's lifecycle: activate, deactivate, start a revision; its published versions. */
export async function sequenceLifecycleRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const db = deps.store.db;
  const accessOf = async (request: FastifyRequest): Promise<Access> => {
    const actor = requireActor(request);
    return { actor, policy: await loadPolicy(deps, request, actor.orgId) };
  };
  const tx = <T>(work: (trx: Db) => Promise<T>) => db.transaction().execute(work);

  app.post(
    '/api/sequences/:id/activate',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Activate: validates, creates the next version (change note required for a revision)',
        params: IdParams,
        body: z.strictObject({ changeNote: z.string().trim().max(2000).optional() }).default({}),
        response: {
          200: SequenceDetailSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'activate');
      const { row } = await activateSequence(deps.store, {
        orgId: actor.orgId,
        id: request.params.id,
        actorId: actor.userId,
        changeNote: request.body.changeNote ?? null,
        now: deps.clock.now(),
      });
      return detail(db, await accessOf(request), row);
    },
  );

  app.post(
    '/api/sequences/:id/deactivate',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Deactivate: no new connections; `disconnectRecords` also ends the live connections',
        params: IdParams,
        body: z
          .strictObject({ disconnectRecords: z.boolean().default(false) })
          .default({ disconnectRecords: false }),
        response: {
          200: SequenceDetailSchema.extend({ disconnected: z.number().int() }),
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'deactivate');
      const now = deps.clock.now();
      const result = await tx((trx) =>
        deactivateSequence(trx, {
          orgId: actor.orgId,
          id: request.params.id,
          actorId: actor.userId,
          endConnections: request.body.disconnectRecords ? sequenceExit(actor.userId, now) : null,
          now,
        }),
      );
      return {
        ...(await detail(db, await accessOf(request), result.row)),
        disconnected: result.disconnected,
      };
    },
  );

  app.post(
    '/api/sequences/:id/edit',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Edit an active sequence: opens a revision (a new draft from the running version)',
        params: IdParams,
        response: { 200: SequenceDetailSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'edit');
      const row = await tx((trx) =>
        startRevision(trx, {
          orgId: actor.orgId,
          id: request.params.id,
          actorId: actor.userId,
          now: deps.clock.now(),
        }),
      );
      return detail(db, await accessOf(request), row);
    },
  );

  app.get(
    '/api/sequences/:id/versions',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Version history, newest first, with change notes, author and time',
        params: IdParams,
        response: {
          200: z.object({ items: z.array(VersionInfoSchema.extend({ active: z.boolean() })) }),
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor, row } = await guardSequence(deps, request, request.params.id, 'view');
      const versions = await listVersions(db, actor.orgId, row.id);
      return {
        items: versions.map((v) => ({
          id: v.id,
          version: v.version,
          changeNote: v.change_note,
          createdBy: v.created_by,
          createdByName: v.created_by_name ?? null,
          createdAt: v.created_at,
          active: v.id === row.active_version_id && row.status !== 'inactive',
        })),
      };
    },
  );

  app.get(
    '/api/sequences/:id/versions/:version',
    {
      schema: {
        tags: ['sequences'],
        summary: 'One version, read-only',
        params: IdParams.extend({ version: z.coerce.number().int().min(1) }),
        response: {
          200: VersionInfoSchema.extend({ definition: SequenceDefinitionSchema }),
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor, row } = await guardSequence(deps, request, request.params.id, 'view');
      const version = await findVersion(db, actor.orgId, row.id, request.params.version);
      if (!version) throw new HttpProblem(404, 'not_found', 'Version not found');
      const creatorName = await userName(db, actor.orgId, version.created_by);
      return {
        id: version.id,
        version: version.version,
        changeNote: version.change_note,
        createdBy: version.created_by,
        createdByName: creatorName,
        createdAt: version.created_at,
        definition: parseStoredDefinition(version.definition_json),
      };
    },
  );
}
