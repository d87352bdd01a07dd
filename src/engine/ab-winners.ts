import type { Kysely } from 'kysely';
import { decideAbWinner } from '../domain/engine/decide-ab-winner.ts';
import type { SequenceDefinition } from '../domain/sequence/definition.ts';
import { abVariantFigures, insertAbWinner, loadAbWinners } from '../store/repos/ab-winners-repo.ts';
import type { Database } from '../store/schema.ts';

export interface VersionInBatch {
  orgId: string;
  sequenceId: string;
  versionId: string;
  definition: SequenceDefinition;
}

/**
 * The A/B winners that apply to a batch: node id → variant per version (`org:version` keys). Tests without a
 * winner are decided now by `decideAbWinner` (end rule, then significance) on the version's figures; a new
 * winner is stored in the caller's transaction, so from this batch on new recipients get only the winner.
 */
export async function resolveAbWinners(
  db: Kysely<Database>,
  versions: VersionInBatch[],
  now: number,
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  const tested = versions.filter((v) =>
    v.definition.nodes.some((n) => (n.kind === 'email' || n.kind === 'automated_email') && n.abTest),
  );
  if (tested.length === 0) return out;
  for (const row of await loadAbWinners(db, tested)) {
    const key = `${row.org_id}:${row.version_id}`;
    out.set(key, { ...out.get(key), [row.node_id]: row.variant });
  }
  for (const version of tested) {
    const key = `${version.orgId}:${version.versionId}`;
    const winners = out.get(key) ?? {};
    for (const node of version.definition.nodes) {
      if ((node.kind !== 'email' && node.kind !== 'automated_email') || !node.abTest || winners[node.id])
        continue;
      // Before an end date nothing can be decided: spare the figures query.
      if (node.abTest.end.type === 'date' && now < Date.parse(node.abTest.end.at)) continue;
      const figures = await abVariantFigures(db, { ...version, nodeId: node.id });
      const decision = decideAbWinner(node.abTest, figures, now);
      if (decision.kind !== 'winner') continue;
      await insertAbWinner(db, {
        org_id: version.orgId,
        version_id: version.versionId,
        node_id: node.id,
        sequence_id: version.sequenceId,
        variant: decision.variant,
        metric: decision.metric,
        decided_by: null,
        data_json: JSON.stringify({ figures, z: decision.z, rates: decision.rates }),
        decided_at: now,
      });
      winners[node.id] = decision.variant;
    }
    out.set(key, winners);
  }
  return out;
}
