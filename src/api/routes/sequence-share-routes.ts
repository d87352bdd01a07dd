import { z } from 'zod';
import {
  addShare,
  findSharePrincipal,
  listShares,
  removeShare,
  shareCandidates,
} from '../../store/sequences/sequence-shares.ts';
import type { ApiApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';
import { guardSequence, IdParams } from './sequence-route-support.ts';

const PrincipalTypeSchema = z.enum(['user', 'business_unit']);

export const SequenceShareSchema = z
  .object({
    principalType: PrincipalTypeSchema,
    principalId: z.string(),
    /** The user's or business unit's name; null when it no longer exists. */
    name: z.string().nullable(),
    /** For a user: their business unit's name. */
    businessUnitName: z.string().nullable(),
    createdAt: z.number(),
  })
  .meta({ id: 'SequenceShare' });

export const ShareCandidatesSchema = z
  .object({
    users: z.array(z.object({ id: z.string(), name: z.string(), businessUnitName: z.string() })),
    businessUnits: z.array(z.object({ id: z.string(), name: z.string() })),
  })
  .meta({ id: 'ShareCandidates' });

const SharesSchema = z.object({ items: z.array(SequenceShareSchema) });
const ShareParams = IdParams.extend({
  principalType: PrincipalTypeSchema,
  principalId: z.string().min(1).max(100),
});
const CANDIDATE_LIMIT = 500;

/**
 * Sharing a sequence with a user or a business unit (SPEC.md §4: full rights on it). Only who may `share` the
 * sequence (owner, sequence managers, admins, whoever it is shared with) lists, adds or removes shares.
 */
export async function sequenceShareRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const db = deps.store.db;

  app.get(
    '/api/sequences/:id/shares',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Whom the sequence is shared with (users and business units, with names)',
        params: IdParams,
        response: { 200: SharesSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'share');
      return { items: await listShares(db, actor.orgId, request.params.id) };
    },
  );

  app.get(
    '/api/sequences/:id/share-candidates',
    {
      schema: {
        tags: ['sequences'],
        summary: "Whom the sequence can be shared with: the organisation's active users and business units",
        params: IdParams,
        response: {
          200: ShareCandidatesSchema,
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'share');
      return shareCandidates(db, actor.orgId, CANDIDATE_LIMIT);
    },
  );

  app.put(
    '/api/sequences/:id/shares/:principalType/:principalId',
    {
      schema: {
        tags: ['sequences'],
        summary:
          'Share with a user or business unit of your organisation (full rights); sharing twice is a no-op',
        params: ShareParams,
        response: { 200: SharesSchema, 403: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const { id, principalType, principalId } = request.params;
      const { actor } = await guardSequence(deps, request, id, 'share');
      const principal = await findSharePrincipal(db, actor.orgId, principalType, principalId);
      if (!principal) {
        const code = principalType === 'user' ? 'user_not_found' : 'unknown_business_unit';
        const message = principalType === 'user' ? 'No such active user' : 'No such business unit';
        throw new HttpProblem(422, code, message, [{ path: ['params', 'principalId'], code, message }]);
      }
      await db.transaction().execute((trx) =>
        addShare(trx, {
          orgId: actor.orgId,
          sequenceId: id,
          principalType,
          principalId,
          actorId: actor.userId,
          now: deps.clock.now(),
        }),
      );
      return { items: await listShares(db, actor.orgId, id) };
    },
  );

  app.delete(
    '/api/sequences/:id/shares/:principalType/:principalId',
    {
      schema: {
        tags: ['sequences'],
        summary: 'Remove a share; removing one that is not there is a no-op',
        params: ShareParams,
        response: { 200: SharesSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { id, principalType, principalId } = request.params;
      const { actor } = await guardSequence(deps, request, id, 'share');
      await db.transaction().execute((trx) =>
        removeShare(trx, {
          orgId: actor.orgId,
          sequenceId: id,
          principalType,
          principalId,
          actorId: actor.userId,
          now: deps.clock.now(),
        }),
      );
      return { items: await listShares(db, actor.orgId, id) };
    },
  );
}
