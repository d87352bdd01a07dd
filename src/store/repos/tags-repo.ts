import type { Kysely } from 'kysely';
import { DomainError } from '../../domain/errors.ts';
import {
  planCreateTag,
  planDeleteTag,
  planMoveTag,
  planRenameTag,
  subtreeIds,
  type TagRow,
} from '../../domain/tags/tags.ts';
import { newId } from '../ids.ts';
import type { Database } from '../schema.ts';
import { recordAudit } from './audit-repo.ts';

/** Sequence tags: the rules are in src/domain/tags; this file stores them. Call inside a transaction. */
export async function listTags(db: Kysely<Database>, orgId: string): Promise<TagRow[]> {
  const rows = await db
    .selectFrom('tags')
    .select(['id', 'name', 'parent_id'])
    .where('org_id', '=', orgId)
    .orderBy('name')
    .execute();
  return rows.map((row) => ({ id: row.id, name: row.name, parentId: row.parent_id }));
}

/** Unique-index violations (SQLite and PostgreSQL) as one predicate. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}

const liftConflict = () =>
  new DomainError(
    'conflict',
    'tag_name_conflict',
    'Deleting this tag would move one of its children next to a tag with the same name. Rename one of them first.',
  );

const tagTaken = () =>
  new DomainError('conflict', 'tag_name_taken', 'A tag with this name already exists at this level.');

export async function createTag(
  db: Kysely<Database>,
  input: { orgId: string; actorId: string; name: string; parentId: string | null; now: number },
): Promise<TagRow> {
  const tags = await listTags(db, input.orgId);
  const name = planCreateTag(tags, input.name, input.parentId);
  const tag: TagRow = { id: newId(input.now), name, parentId: input.parentId };
  try {
    await db
      .insertInto('tags')
      .values({ org_id: input.orgId, id: tag.id, name, parent_id: tag.parentId, created_at: input.now })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw tagTaken();
    throw error;
  }
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'tag.create',
    resourceType: 'tag',
    resourceId: tag.id,
    after: tag,
    at: input.now,
  });
  return tag;
}

/** Rename and/or move (parentId null: to the top level; undefined: stay). */
export async function updateTag(
  db: Kysely<Database>,
  input: { orgId: string; actorId: string; id: string; name?: string; parentId?: string | null; now: number },
): Promise<TagRow> {
  const tags = await listTags(db, input.orgId);
  const before = tags.find((t) => t.id === input.id);
  if (!before) throw new DomainError('not_found', 'tag_not_found', 'Tag not found');
  const name = input.name === undefined ? before.name : planRenameTag(tags, input.id, input.name);
  const parentId = input.parentId === undefined ? before.parentId : input.parentId;
  if (parentId !== before.parentId) {
    planMoveTag(
      tags.map((t) => (t.id === input.id ? { ...t, name } : t)),
      input.id,
      parentId,
    );
  }
  try {
    await db
      .updateTable('tags')
      .set({ name, parent_id: parentId })
      .where('org_id', '=', input.orgId)
      .where('id', '=', input.id)
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw tagTaken();
    throw error;
  }
  const after = { id: input.id, name, parentId };
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'tag.update',
    resourceType: 'tag',
    resourceId: input.id,
    before,
    after,
    at: input.now,
  });
  return after;
}

/** Deletes a tag: its children move up one level and sequences lose the tag. */
export async function deleteTag(
  db: Kysely<Database>,
  input: { orgId: string; actorId: string; id: string; now: number },
): Promise<void> {
  const tags = await listTags(db, input.orgId);
  const plan = planDeleteTag(tags, input.id);
  await db
    .deleteFrom('sequence_tags')
    .where('org_id', '=', input.orgId)
    .where('tag_id', '=', input.id)
    .execute();
  // The tag goes first: a child named like it ("Region" under "region") may then take its place.
  await db.deleteFrom('tags').where('org_id', '=', input.orgId).where('id', '=', input.id).execute();
  if (plan.liftedChildIds.length > 0) {
    try {
      await db
        .updateTable('tags')
        .set({ parent_id: plan.newParentId })
        .where('org_id', '=', input.orgId)
        .where('id', 'in', plan.liftedChildIds)
        .execute();
    } catch (error) {
      // The database folds case differently from JavaScript for a few letters; its unique index has the last word.
      if (isUniqueViolation(error)) throw liftConflict();
      throw error;
    }
  }
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'tag.delete',
    resourceType: 'tag',
    resourceId: input.id,
    before: tags.find((t) => t.id === input.id),
    after: { liftedChildIds: plan.liftedChildIds },
    at: input.now,
  });
}

export async function applyTag(
  db: Kysely<Database>,
  input: { orgId: string; actorId: string; sequenceId: string; tagId: string; now: number },
): Promise<void> {
  const tag = await db
    .selectFrom('tags')
    .select('id')
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.tagId)
    .executeTakeFirst();
  if (!tag) throw new DomainError('not_found', 'tag_not_found', 'Tag not found');
  const result = await db
    .insertInto('sequence_tags')
    .values({ org_id: input.orgId, sequence_id: input.sequenceId, tag_id: input.tagId })
    .onConflict((oc) => oc.columns(['org_id', 'sequence_id', 'tag_id']).doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) {
    await recordAudit(db, {
      orgId: input.orgId,
      actorId: input.actorId,
      action: 'sequence.tag_apply',
      resourceType: 'sequence',
      resourceId: input.sequenceId,
      after: { tagId: input.tagId },
      at: input.now,
    });
  }
}

export async function removeTag(
  db: Kysely<Database>,
  input: { orgId: string; actorId: string; sequenceId: string; tagId: string; now: number },
): Promise<void> {
  const result = await db
    .deleteFrom('sequence_tags')
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', input.sequenceId)
    .where('tag_id', '=', input.tagId)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) > 0) {
    await recordAudit(db, {
      orgId: input.orgId,
      actorId: input.actorId,
      action: 'sequence.tag_remove',
      resourceType: 'sequence',
      resourceId: input.sequenceId,
      before: { tagId: input.tagId },
      at: input.now,
    });
  }
}

/** Tags of each sequence, keyed by sequence id. */
export async function tagsOfSequences(
  db: Kysely<Database>,
  orgId: string,
  sequenceIds: string[],
): Promise<Map<string, { id: string; name: string }[]>> {
  const map = new Map<string, { id: string; name: string }[]>();
  if (sequenceIds.length === 0) return map;
  const rows = await db
    .selectFrom('sequence_tags')
    .innerJoin('tags', (join) =>
      join.onRef('tags.org_id', '=', 'sequence_tags.org_id').onRef('tags.id', '=', 'sequence_tags.tag_id'),
    )
    .select(['sequence_tags.sequence_id', 'tags.id', 'tags.name'])
    .where('sequence_tags.org_id', '=', orgId)
    .where('sequence_tags.sequence_id', 'in', sequenceIds)
    .orderBy('tags.name')
    .execute();
  for (const row of rows) {
    const list = map.get(row.sequence_id) ?? [];
    list.push({ id: row.id, name: row.name });
    map.set(row.sequence_id, list);
  }
  return map;
}

/** The tag and its descendants, for "filter by tag". */
export async function tagWithDescendants(
  db: Kysely<Database>,
  orgId: string,
  tagId: string,
): Promise<string[]> {
  return subtreeIds(await listTags(db, orgId), tagId);
}

/**
 * Finds the tag at `path` (names from the root), creating missing levels when `create` is true.
 * Returns null when a level is missing and may not be created.
 */
export async function resolveTagPath(
  db: Kysely<Database>,
  input: { orgId: string; actorId: string; path: string[]; create: boolean; now: number },
): Promise<string | null> {
  let parentId: string | null = null;
  for (const name of input.path) {
    const tags = await listTags(db, input.orgId);
    const found = tags.find(
      (t) => t.parentId === parentId && t.name.toLowerCase() === name.trim().toLowerCase(),
    );
    if (found) {
      parentId = found.id;
      continue;
    }
    if (!input.create) return null;
    parentId = (
      await createTag(db, { orgId: input.orgId, actorId: input.actorId, name, parentId, now: input.now })
    ).id;
  }
  return parentId;
}
