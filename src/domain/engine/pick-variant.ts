import type { AbTest } from '../sequence/definition.ts';

/** FNV-1a, 32 bit: a stable, dependency-free hash (not for security). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The A/B variant of one connection at one node: deterministic (hash of connection id + node id), so a retry
 * picks the same variant, and distributed according to the split percentages. A decided winner wins.
 */
export function pickVariant(abTest: AbTest, connectionId: string, nodeId: string, winner?: string): string {
  if (winner && abTest.variants.some((v) => v.id === winner)) return winner;
  const total = abTest.variants.reduce((sum, v) => sum + v.split, 0);
  if (total <= 0) return abTest.variants[0]!.id;
  const bucket = fnv1a(`${connectionId}:${nodeId}`) % total;
  let upTo = 0;
  for (const variant of abTest.variants) {
    upTo += variant.split;
    if (bucket < upTo) return variant.id;
  }
  return abTest.variants[abTest.variants.length - 1]!.id;
}
