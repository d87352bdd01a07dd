import { matchesFieldRule } from '../fields/evaluate.ts';
import type { FieldRule, FieldValue } from '../sequence/definition.ts';

export interface PreviewCandidate {
  id: string;
  name: string;
  values: Readonly<Record<string, FieldValue>>;
}

export interface PreviewTally {
  /** How many candidates matched so far. */
  count: number;
  /** The first `pageSize` matches, in the order the candidates came. */
  first: { id: string; name: string }[];
}

export const EMPTY_TALLY: PreviewTally = { count: 0, first: [] };

/**
 * Adds one batch of candidates to a segment preview: each is matched with the same evaluator the segment uses
 * when a record changes (`matchesFieldRule`), so the preview counts exactly what the segment would match.
 */
export function tallyMatches(
  tally: PreviewTally,
  candidates: readonly PreviewCandidate[],
  rule: FieldRule,
  knownFields: readonly string[],
  pageSize: number,
): PreviewTally {
  let { count } = tally;
  const first = [...tally.first];
  for (const candidate of candidates) {
    if (!matchesFieldRule(rule, candidate.values, knownFields)) continue;
    count += 1;
    if (first.length < pageSize) first.push({ id: candidate.id, name: candidate.name });
  }
  return { count, first };
}
