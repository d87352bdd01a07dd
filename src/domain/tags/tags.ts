import { DomainError } from '../errors.ts';

/**
 * Sequence tags: a tree at most four levels deep, names without "/" and unique among siblings (the database has
 * the unique index; these checks give the clear message first). Pure: callers pass the organisation's tags.
 */
export const MAX_TAG_DEPTH = 4;
export const MAX_TAG_NAME = 100;

export interface TagRow {
  id: string;
  name: string;
  parentId: string | null;
}

export interface TagNode extends TagRow {
  children: TagNode[];
}

/** Trimmed name, or a DomainError explaining what is wrong with it. */
export function normaliseTagName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw new DomainError('invalid', 'tag_name_empty', 'Give the tag a name.');
  if (name.length > MAX_TAG_NAME) {
    throw new DomainError(
      'invalid',
      'tag_name_too_long',
      `A tag name can have at most ${MAX_TAG_NAME} characters.`,
    );
  }
  if (name.includes('/'))
    throw new DomainError('invalid', 'tag_name_invalid', 'A tag name cannot contain "/".');
  return name;
}

/** Level of a tag: 1 for a root tag. */
export function depthOf(tags: readonly TagRow[], id: string): number {
  const byId = new Map(tags.map((t) => [t.id, t]));
  let depth = 0;
  let current: string | null = id;
  while (current && depth <= tags.length) {
    depth++;
    current = byId.get(current)?.parentId ?? null;
  }
  return depth;
}

/** The tag and everything below it. */
export function subtreeIds(tags: readonly TagRow[], id: string): string[] {
  const children = new Map<string, string[]>();
  for (const tag of tags) {
    if (tag.parentId) children.set(tag.parentId, [...(children.get(tag.parentId) ?? []), tag.id]);
  }
  const out: string[] = [];
  const stack = [id];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    out.push(current);
    stack.push(...(children.get(current) ?? []));
  }
  return out;
}

/** Levels in the subtree rooted at `id` (1 for a leaf). */
function heightOf(tags: readonly TagRow[], id: string): number {
  const children = tags.filter((t) => t.parentId === id);
  return 1 + Math.max(0, ...children.map((child) => heightOf(tags, child.id)));
}

function assertSiblingFree(
  tags: readonly TagRow[],
  parentId: string | null,
  name: string,
  selfId?: string,
): void {
  const clash = tags.find(
    (t) => t.parentId === parentId && t.id !== selfId && t.name.toLowerCase() === name.toLowerCase(),
  );
  if (clash) {
    throw new DomainError(
      'conflict',
      'tag_name_taken',
      `A tag named "${clash.name}" already exists at this level.`,
    );
  }
}

/** Checks a new tag; returns its normalised name. */
export function planCreateTag(tags: readonly TagRow[], name: string, parentId: string | null): string {
  const clean = normaliseTagName(name);
  if (parentId !== null) {
    if (!tags.some((t) => t.id === parentId))
      throw new DomainError('not_found', 'tag_not_found', 'Parent tag not found');
    if (depthOf(tags, parentId) >= MAX_TAG_DEPTH) {
      throw new DomainError(
        'invalid',
        'tag_too_deep',
        `Tags can be nested at most ${MAX_TAG_DEPTH} levels deep.`,
      );
    }
  }
  assertSiblingFree(tags, parentId, clean);
  return clean;
}

export function planRenameTag(tags: readonly TagRow[], id: string, name: string): string {
  const tag = tags.find((t) => t.id === id);
  if (!tag) throw new DomainError('not_found', 'tag_not_found', 'Tag not found');
  const clean = normaliseTagName(name);
  assertSiblingFree(tags, tag.parentId, clean, id);
  return clean;
}

export function planMoveTag(tags: readonly TagRow[], id: string, parentId: string | null): void {
  const tag = tags.find((t) => t.id === id);
  if (!tag) throw new DomainError('not_found', 'tag_not_found', 'Tag not found');
  if (parentId !== null) {
    if (!tags.some((t) => t.id === parentId))
      throw new DomainError('not_found', 'tag_not_found', 'Parent tag not found');
    if (subtreeIds(tags, id).includes(parentId)) {
      throw new DomainError(
        'invalid',
        'tag_cycle',
        'A tag cannot be moved under itself or one of its own tags.',
      );
    }
    if (depthOf(tags, parentId) + heightOf(tags, id) > MAX_TAG_DEPTH) {
      throw new DomainError(
        'invalid',
        'tag_too_deep',
        `Tags can be nested at most ${MAX_TAG_DEPTH} levels deep.`,
      );
    }
  }
  assertSiblingFree(tags, parentId, tag.name, id);
}

/** Deleting lifts the children one level; a child whose name clashes with its new siblings blocks the delete. */
export function planDeleteTag(
  tags: readonly TagRow[],
  id: string,
): { liftedChildIds: string[]; newParentId: string | null } {
  const tag = tags.find((t) => t.id === id);
  if (!tag) throw new DomainError('not_found', 'tag_not_found', 'Tag not found');
  const children = tags.filter((t) => t.parentId === id);
  const remaining = tags.filter((t) => t.id !== id && t.parentId !== id);
  const names = new Set(
    remaining.filter((t) => t.parentId === tag.parentId).map((t) => t.name.toLowerCase()),
  );
  for (const child of children) {
    if (names.has(child.name.toLowerCase())) {
      throw new DomainError(
        'conflict',
        'tag_name_conflict',
        `Deleting "${tag.name}" would move "${child.name}" next to a tag with the same name. Rename one of them first.`,
      );
    }
    names.add(child.name.toLowerCase());
  }
  return { liftedChildIds: children.map((c) => c.id), newParentId: tag.parentId };
}

/** The tags as a tree, siblings sorted by name. */
export function buildTagTree(tags: readonly TagRow[]): TagNode[] {
  const nodes = new Map<string, TagNode>(tags.map((t) => [t.id, { ...t, children: [] }]));
  const roots: TagNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const sort = (list: TagNode[]) => {
    list.sort((a, b) => a.name.localeCompare(b.name));
    for (const node of list) sort(node.children);
  };
  sort(roots);
  return roots;
}

/** A tag's names from the root, e.g. ["Region", "EMEA"]. */
export function tagPath(tags: readonly TagRow[], id: string): string[] {
  const byId = new Map(tags.map((t) => [t.id, t]));
  const path: string[] = [];
  let current = byId.get(id);
  while (current && path.length <= MAX_TAG_DEPTH) {
    path.unshift(current.name);
    current = current.parentId ? byId.get(current.parentId) : undefined;
  }
  return path;
}
