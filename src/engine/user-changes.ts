import type { Kysely } from 'kysely';
import { decideRecord } from '../domain/permissions/permissions.ts';
import { connectionsWithStepsHeldBy, handOverHolders } from '../store/connections/held-steps.ts';
import { recordAudit } from '../store/repos/audit-repo.ts';
import { loadOrgPolicy, moveConnectionOwner } from '../store/repos/connections-repo.ts';
import { lockConnections } from '../store/repos/engine-repo.ts';
import { loadActor } from '../store/repos/identity-repo.ts';
import { recordTimeline } from '../store/repos/timeline-repo.ts';
import type { Database } from '../store/schema.ts';
import { dialectOf } from './exit-connections.ts';

/**
 * Call after a user changed (business unit, roles, deactivated), inside the same transaction. Each open step
 * handed to them of a record they may no longer work on (`decideRecord`, the step counted as assigned: the record
 * out of their branch of the unit tree, or they are deactivated) goes back to the connection's owner, the record's
 * owner, the one path an owner change uses (`moveConnectionOwner`): also out of the engine state's hand-overs, so
 * a later write (a snooze) does not give it back. Steps they may still work on stay theirs.
 * Returns how many steps went back.
 */
export async function onUserChanged(
  db: Kysely<Database>,
  input: { orgId: string; userId: string; actorId: string | null; now: number },
): Promise<number> {
  const held = await connectionsWithStepsHeldBy(db, { orgId: input.orgId, userId: input.userId });
  if (held.length === 0) return 0;
  const user = await loadActor(db, input.orgId, input.userId);
  const policy = await loadOrgPolicy(db, input.orgId);
  const stale = held.filter(
    (h) =>
      !user ||
      !decideRecord(user, policy, 'act', {
        ownerId: h.recordOwnerId,
        businessUnitId: h.recordBusinessUnitId,
        assignedToActor: true,
      }).allowed,
  );
  const locked = new Map(
    (
      await lockConnections(
        db,
        dialectOf(db),
        stale.map((h) => ({ orgId: input.orgId, id: h.connectionId })),
      )
    ).map((c) => [c.id, c]),
  );
  let total = 0;
  for (const h of stale) {
    const connection = locked.get(h.connectionId);
    if (!connection || connection.owner_id === input.userId) continue;
    const steps = await moveConnectionOwner(db, {
      orgId: input.orgId,
      connectionId: connection.id,
      stateJson: connection.state_json,
      fromOwnerIds: [input.userId],
      toOwnerId: connection.owner_id,
      now: input.now,
    });
    if (steps === 0) continue;
    total += steps;
    await recordTimeline(db, {
      orgId: input.orgId,
      recordId: h.recordId,
      connectionId: connection.id,
      kind: 'steps_returned',
      actorId: input.actorId,
      summary: `Open steps returned to the owner: the colleague may no longer work on this record (${steps})`,
      data: { from: input.userId, to: connection.owner_id, steps },
      at: input.now,
    });
    await recordAudit(db, {
      orgId: input.orgId,
      actorId: input.actorId,
      action: 'connection.steps_returned',
      resourceType: 'connection',
      resourceId: connection.id,
      before: { ownerId: input.userId },
      after: { ownerId: connection.owner_id, steps },
      at: input.now,
    });
  }
  return total;
}

/**
 * Call after the unit tree changed (a unit moved under another parent), inside the same transaction: every
 * colleague holding a step of someone else's record is checked as after a change of their own (`onUserChanged`).
 */
export async function onUnitsChanged(
  db: Kysely<Database>,
  input: { orgId: string; actorId: string | null; now: number },
): Promise<number> {
  let total = 0;
  for (const userId of await handOverHolders(db, input.orgId)) {
    total += await onUserChanged(db, { ...input, userId });
  }
  return total;
}
