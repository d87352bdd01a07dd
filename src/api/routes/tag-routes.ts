import { z } from 'zod';
import { decideOrg } from '../../domain/permissions/permissions.ts';
import { buildTagTree, type TagNode } from '../../domain/tags/tags.ts';
import { sequenceCountsByTag } from '../../store/queries/directory-lookups.ts';
import {
  applyTag,
  createTag,
  deleteTag,
  listTags,
  removeTag,
  updateTag,
} from '../../store/repos/tags-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { ProblemSchema } from '../problems.ts';
import { guardSequence } from './sequence-route-support.ts';

interface TagTreeItem {
  id: string;
  name: string;
  parentId: string | null;
  sequenceCount: number;
  children: TagTreeItem[];
}

export const TagTreeItemSchema: z.ZodType<TagTreeItem> = z
  .object({
    id: z.string(),
    name: z.string(),
    parentId: z.string().nullable(),
    sequenceCount: z.number().int(),
    get children() {
      return z.array(TagTreeItemSchema);
    },
  })
  .meta({ id: 'TagTreeItem' });

export const TagSchema = z
  .object({ id: z.string(), name: z.string(), parentId: z.string().nullable() })
  .meta({ id: 'Tag' });
const TagNameSchema = z.string().max(200);
const IdParams = z.object({ id: z.string().min(1).max(100) });

export async function tagRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const db = deps.store.db;

  async function requireTagManager(request: Parameters<typeof requireActor>[0]) {
    const actor = requireActor(request);
    enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_tags'), 'Tag');
    return actor;
  }

  app.get(
    '/api/tags',
    {
      schema: {
        tags: ['tags'],
        summary: 'All sequence tags as a tree (siblings by name) with how many sequences carry each',
        response: { 200: z.object({ items: z.array(TagTreeItemSchema) }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const [tags, counts] = await Promise.all([
        listTags(db, actor.orgId),
        sequenceCountsByTag(db, actor.orgId),
      ]);
      const countOf = counts;
      const toItem = (node: TagNode): TagTreeItem => ({
        id: node.id,
        name: node.name,
        parentId: node.parentId,
        sequenceCount: countOf.get(node.id) ?? 0,
        children: node.children.map(toItem),
      });
      return { items: buildTagTree(tags).map(toItem) };
    },
  );

  app.post(
    '/api/tags',
    {
      schema: {
        tags: ['tags'],
        summary: 'Create a tag (sequence managers and admins); at most 4 levels, no "/" in the name',
        body: z.strictObject({ name: TagNameSchema, parentId: z.string().max(100).nullable().default(null) }),
        response: {
          201: TagSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = await requireTagManager(request);
      const tag = await db.transaction().execute((trx) =>
        createTag(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          ...request.body,
          now: deps.clock.now(),
        }),
      );
      return reply.code(201).send(tag);
    },
  );

  app.patch(
    '/api/tags/:id',
    {
      schema: {
        tags: ['tags'],
        summary: 'Rename and/or move a tag (`parentId: null` moves it to the top level)',
        params: IdParams,
        body: z.strictObject({
          name: TagNameSchema.optional(),
          parentId: z.string().max(100).nullable().optional(),
        }),
        response: {
          200: TagSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await requireTagManager(request);
      return db.transaction().execute((trx) =>
        updateTag(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          id: request.params.id,
          ...(request.body.name === undefined ? {} : { name: request.body.name }),
          ...(request.body.parentId === undefined ? {} : { parentId: request.body.parentId }),
          now: deps.clock.now(),
        }),
      );
    },
  );

  app.delete(
    '/api/tags/:id',
    {
      schema: {
        tags: ['tags'],
        summary: 'Delete a tag: its children move up one level, sequences lose the tag',
        params: IdParams,
        response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireTagManager(request);
      await db.transaction().execute((trx) =>
        deleteTag(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          id: request.params.id,
          now: deps.clock.now(),
        }),
      );
      return reply.code(204).send(null);
    },
  );

  const SequenceTagParams = z.object({ id: z.string().min(1).max(100), tagId: z.string().min(1).max(100) });

  app.put(
    '/api/sequences/:id/tags/:tagId',
    {
      schema: {
        tags: ['tags'],
        summary: 'Apply a tag to a sequence (anyone who can see the sequence)',
        params: SequenceTagParams,
        response: { 204: z.null(), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'apply_tags');
      await db.transaction().execute((trx) =>
        applyTag(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          sequenceId: request.params.id,
          tagId: request.params.tagId,
          now: deps.clock.now(),
        }),
      );
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/sequences/:id/tags/:tagId',
    {
      schema: {
        tags: ['tags'],
        summary: 'Remove a tag from a sequence',
        params: SequenceTagParams,
        response: { 204: z.null(), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { actor } = await guardSequence(deps, request, request.params.id, 'apply_tags');
      await db.transaction().execute((trx) =>
        removeTag(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          sequenceId: request.params.id,
          tagId: request.params.tagId,
          now: deps.clock.now(),
        }),
      );
      return reply.code(204).send(null);
    },
  );
}
