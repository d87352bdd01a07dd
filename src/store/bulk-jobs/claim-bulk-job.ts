import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** A `bulk_jobs` row a worker holds the lease of. */
export interface ClaimedJob {
  orgId: string;
  id: string;
}

/**
 * Claims the oldest job of this kind that is queued, or running with an expired lease, or still leased to this
 * very worker (a restart with the same worker id resumes it). A conditional update, so several processes may
 * claim at once: each job goes to one of them.
 */
export async function claimBulkJob(
  db: Kysely<Database>,
  input: { kind: string; workerId: string; now: number; leaseMs: number; jobId?: string | undefined },
): Promise<ClaimedJob | undefined> {
  const { workerId, now } = input;
  const claimable = (eb: ExpressionBuilder<Database, 'bulk_jobs'>) =>
    eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', workerId)]);
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = await db
      .selectFrom('bulk_jobs')
      .select(['org_id', 'id'])
      .where('kind', '=', input.kind)
      .where('status', 'in', ['queued', 'running'])
      .where(claimable)
      .$if(input.jobId !== undefined, (q) => q.where('id', '=', input.jobId!))
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    if (!candidate) return undefined;
    const claimed = await db
      .updateTable('bulk_jobs')
      .set({ status: 'running', lease_owner: workerId, lease_until: now + input.leaseMs, updated_at: now })
      .where('org_id', '=', candidate.org_id)
      .where('id', '=', candidate.id)
      .where('status', 'in', ['queued', 'running'])
      .where(claimable)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 1) return { orgId: candidate.org_id, id: candidate.id };
  }
  return undefined;
}
