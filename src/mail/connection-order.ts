import type { Kysely } from 'kysely';
import { holdMany, type OutboundRow } from '../store/repos/mail-repo.ts';
import { earliestUnsentPerConnection } from '../store/repos/outbox-sending.ts';
import type { Database } from '../store/schema.ts';

/**
 * A connection's emails leave in the order they were made: a message whose connection still has an earlier unsent
 * email outside this batch (held by a limit, waiting for a retry) waits behind it. Returns the messages that may go.
 */
export async function keepConnectionOrder(
  db: Kysely<Database>,
  orgId: string,
  rows: OutboundRow[],
  now: number,
): Promise<{ kept: OutboundRow[]; held: number }> {
  const connectionIds = [...new Set(rows.flatMap((row) => (row.connection_id ? [row.connection_id] : [])))];
  if (connectionIds.length === 0) return { kept: rows, held: 0 };
  const earliest = await earliestUnsentPerConnection(db, orgId, connectionIds);
  const inBatch = new Set(rows.map((row) => row.id));
  const holds: { id: string; notBefore: number; reason: string }[] = [];
  const kept = rows.filter((row) => {
    const first = row.connection_id ? earliest.get(row.connection_id) : undefined;
    if (!first || first.id >= row.id || inBatch.has(first.id)) return true;
    holds.push({
      id: row.id,
      notBefore: Math.max(first.notBefore, now) + 1,
      reason: 'Waiting for an earlier email of this sequence to go first',
    });
    return false;
  });
  await holdMany(db, orgId, holds, now);
  return { kept, held: holds.length };
}
