import { describe, expect, it } from 'vitest';
import type { FieldRule } from '../sequence/definition.ts';
import { EMPTY_TALLY, tallyMatches } from './preview.ts';

const rule: FieldRule = {
  combine: 'and',
  groups: [{ combine: 'and', conditions: [{ field: 'company', operator: 'eq', value: 'globex' }] }],
};
const candidate = (id: string, company: string | null) => ({ id, name: `Record ${id}`, values: { company } });

describe('tallyMatches', () => {
  it('counts every match across batches and keeps only the first page of names', () => {
    const first = tallyMatches(
      EMPTY_TALLY,
      [candidate('a', 'Globex'), candidate('b', 'Initech'), candidate('c', 'GLOBEX')],
      rule,
      [],
      2,
    );
    expect(first).toEqual({
      count: 2,
      first: [
        { id: 'a', name: 'Record a' },
        { id: 'c', name: 'Record c' },
      ],
    });
    const second = tallyMatches(first, [candidate('d', 'globex'), candidate('e', null)], rule, [], 2);
    expect(second.count).toBe(3);
    expect(second.first.map((r) => r.id)).toEqual(['a', 'c']);
    expect(first.count).toBe(2);
  });

  it('matches nothing when the rule names a field the records do not have', () => {
    const unknown: FieldRule = {
      combine: 'and',
      groups: [{ combine: 'and', conditions: [{ field: 'shoeSize', operator: 'is_empty' }] }],
    };
    expect(tallyMatches(EMPTY_TALLY, [candidate('a', 'Globex')], unknown, [], 20)).toEqual(EMPTY_TALLY);
    expect(tallyMatches(EMPTY_TALLY, [candidate('a', 'Globex')], unknown, ['shoeSize'], 20).count).toBe(1);
  });
});
