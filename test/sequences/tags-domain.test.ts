import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import {
  buildTagTree,
  depthOf,
  planCreateTag,
  planDeleteTag,
  planMoveTag,
  planRenameTag,
  type TagRow,
  tagPath,
} from '../../src/domain/tags/tags.ts';

const tags: TagRow[] = [
  { id: 'a', name: 'Region', parentId: null },
  { id: 'b', name: 'EMEA', parentId: 'a' },
  { id: 'c', name: 'Poland', parentId: 'b' },
  { id: 'd', name: 'Warsaw', parentId: 'c' },
  { id: 'e', name: 'Poland', parentId: 'a' },
  { id: 'f', name: 'Product', parentId: null },
  { id: 'g', name: 'CRM', parentId: 'f' },
];

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as DomainError).code;
  }
};

describe('tag rules', () => {
  it('depth, paths and the tree', () => {
    expect(depthOf(tags, 'd')).toBe(4);
    expect(tagPath(tags, 'd')).toEqual(['Region', 'EMEA', 'Poland', 'Warsaw']);
    expect(buildTagTree(tags).map((t) => [t.name, t.children.map((c) => c.name)])).toEqual([
      ['Product', ['CRM']],
      ['Region', ['EMEA', 'Poland']],
    ]);
  });

  it('create: trims, refuses "/", empty, too deep, sibling clash (any case)', () => {
    expect(planCreateTag(tags, '  Kraków ', 'c')).toBe('Kraków');
    expect(codeOf(() => planCreateTag(tags, 'a/b', null))).toBe('tag_name_invalid');
    expect(codeOf(() => planCreateTag(tags, '   ', null))).toBe('tag_name_empty');
    expect(codeOf(() => planCreateTag(tags, 'Mokotów', 'd'))).toBe('tag_too_deep');
    expect(codeOf(() => planCreateTag(tags, 'region', null))).toBe('tag_name_taken');
    expect(codeOf(() => planCreateTag(tags, 'X', 'nope'))).toBe('tag_not_found');
  });

  it('rename and move keep the tree sound', () => {
    expect(codeOf(() => planRenameTag(tags, 'e', 'emea'))).toBe('tag_name_taken');
    expect(planRenameTag(tags, 'e', 'Polska')).toBe('Polska');
    expect(codeOf(() => planMoveTag(tags, 'a', 'c'))).toBe('tag_cycle');
    expect(codeOf(() => planMoveTag(tags, 'b', 'g'))).toBe('tag_too_deep');
    expect(codeOf(() => planMoveTag(tags, 'c', null))).toBeNull();
    expect(codeOf(() => planMoveTag(tags, 'c', 'a'))).toBe('tag_name_taken');
  });

  it('delete lifts children one level, unless a lifted name clashes', () => {
    expect(planDeleteTag(tags, 'c')).toEqual({ liftedChildIds: ['d'], newParentId: 'b' });
    expect(codeOf(() => planDeleteTag(tags, 'b'))).toBe('tag_name_conflict');
    expect(planDeleteTag(tags, 'f')).toEqual({ liftedChildIds: ['g'], newParentId: null });
    expect(() => planDeleteTag(tags, 'zzz')).toThrow(DomainError);
  });
});
