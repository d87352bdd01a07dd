import type { Kysely } from 'kysely';
import { closingReason } from '../domain/connect/disconnect.ts';
import { parseState } from '../domain/engine/state.ts';
import { recordFieldValues } from '../domain/fields/evaluate.ts';
import { decideRecord } from '../domain/permissions/permissions.ts';
import { matchingSegments } from '../domain/segments/segment.ts';
import { recordAudit } from '../store/repos/audit-repo.ts';
import {
  findLiveConnection,
  inTransaction,
  loadOrgPolicy,
  loadSequenceForConnect,
  moveConnectionOwner,
  openStepOwners,
  type RecordRow,
} from '../store/repos/connections-repo.ts';
import { lockConnections } from '../store/repos/engine-repo.ts';
import { loadActor } from '../store/repos/identity-repo.ts';
import { listRecordFields } from '../store/repos/record-fields-repo.ts';
import { enabledSegmentsFor } from '../store/repos/segments-repo.ts';
import { recordTimeline } from '../store/repos/timeline-repo.ts';
import type { Database } from '../store/schema.ts';
import type { Clock } from './clock.ts';
import { connectRecords } from './connect-records.ts';
import { enqueueEvent } from './enqueue-event.ts';
import { dialectOf, exitConnections } from './exit-connections.ts';

export interface RecordChangeResult {
  /** The live connection was ended because the record closed (`record_qualified`, …). */
  disconnected: { connectionId: string; reason: string } | null;
  /** The record's owner changed: the connection and this many open steps moved to the new owner. */
  ownerMoved: { connectionId: string; steps: number } | null;
  /** A segment connected the record. */
  connectedBySegment: { segmentId: string; sequenceId: string; connectionId: string } | null;
}

/**
 * Call after every record insert (`before` null), update or import row, inside the same transaction when you
 * have one. It keeps connections in line with the record:
 * - a record that is no longer open (qualified, disqualified, won, lost) is disconnected, reason `record_<status>`;
 * - an owner change moves the connection and its open steps to the new owner: those the old owner held, and those
 *   of a colleague who may no longer work on the record (`decideRecord`); a colleague still entitled keeps theirs;
 * - a field condition that could not be evaluated is retried (`record_changed` event);
 * - an open record without a live connection is matched against the enabled segments of its type, and the
 *   highest-priority segment whose sequence takes it connects it.
 */
export async function onRecordChanged(
  db: Kysely<Database>,
  deps: { clock: Clock },
  before: RecordRow | null,
  after: RecordRow,
  options: { actorId?: string | null } = {},
): Promise<RecordChangeResult> {
  const result: RecordChangeResult = { disconnected: null, ownerMoved: null, connectedBySegment: null };
  const now = deps.clock.now();
  const actorId = options.actorId ?? null;
  return inTransaction(db, async (trx) => {
    const live = await findLiveConnection(trx, after.org_id, after.id);
    const reason = closingReason(after);
    if (reason) {
      if (live) {
        await exitConnections(trx, { orgId: after.org_id, connectionIds: [live.id], reason, actorId, now });
        await recordAudit(trx, {
          orgId: after.org_id,
          actorId,
          action: 'connection.disconnect',
          resourceType: 'connection',
          resourceId: live.id,
          before: { status: live.status },
          after: { status: 'disconnected', reason },
          at: now,
        });
        result.disconnected = { connectionId: live.id, reason };
      }
      return result;
    }
    if (live) {
      if (before && before.owner_id !== after.owner_id) {
        // Locked (PostgreSQL) and read again: the engine must not write a state this change has not seen.
        const [locked] = await lockConnections(trx, dialectOf(trx), [{ orgId: after.org_id, id: live.id }]);
        const steps = await moveConnectionOwner(trx, {
          orgId: after.org_id,
          connectionId: live.id,
          stateJson: (locked ?? live).state_json,
          fromOwnerIds: [before.owner_id, ...(await staleAssignees(trx, live.id, before, after))],
          toOwnerId: after.owner_id,
          now,
        });
        await recordTimeline(trx, {
          orgId: after.org_id,
          recordId: after.id,
          connectionId: live.id,
          kind: 'owner_changed',
          actorId,
          summary: `Open steps moved to the new owner (${steps})`,
          data: { from: before.owner_id, to: after.owner_id, steps },
          at: now,
        });
        await recordAudit(trx, {
          orgId: after.org_id,
          actorId,
          action: 'connection.owner_change',
          resourceType: 'connection',
          resourceId: live.id,
          before: { ownerId: before.owner_id },
          after: { ownerId: after.owner_id, steps },
          at: now,
        });
        result.ownerMoved = { connectionId: live.id, steps };
      }
      if (parseState(live.state_json).phase === 'cannot_evaluate') {
        await enqueueEvent(trx, {
          orgId: after.org_id,
          connectionId: live.id,
          event: { id: `record_changed:${live.id}:${after.updated_at}`, type: 'record_changed' },
          dueAt: now,
        });
      }
      return result;
    }
    result.connectedBySegment = await connectBySegment(trx, after, now);
    return result;
  });
}

/**
 * Colleagues holding an open step of the connection who may no longer work on the record as it is now (moved out
 * of their branch of the unit tree, or deactivated): `decideRecord` decides, with the step counted as assigned.
 */
async function staleAssignees(
  db: Kysely<Database>,
  connectionId: string,
  before: RecordRow,
  after: RecordRow,
): Promise<string[]> {
  const others = (await openStepOwners(db, { orgId: after.org_id, connectionId })).filter(
    (userId) => userId !== before.owner_id && userId !== after.owner_id,
  );
  if (others.length === 0) return [];
  const policy = await loadOrgPolicy(db, after.org_id);
  const record = { ownerId: after.owner_id, businessUnitId: after.business_unit_id, assignedToActor: true };
  const stale: string[] = [];
  for (const userId of others) {
    const assignee = await loadActor(db, after.org_id, userId);
    if (!assignee || !decideRecord(assignee, policy, 'act', record).allowed) stale.push(userId);
  }
  return stale;
}

async function connectBySegment(
  db: Kysely<Database>,
  record: RecordRow,
  now: number,
): Promise<RecordChangeResult['connectedBySegment']> {
  const segments = await enabledSegmentsFor(db, record.org_id, record.type);
  if (segments.length === 0) return null;
  const custom = await listRecordFields(db, record.org_id, record.type);
  const matches = matchingSegments(
    segments,
    record.type,
    recordFieldValues(record),
    custom.map((field) => field.name),
  );
  if (matches.length === 0) return null;
  const policy = await loadOrgPolicy(db, record.org_id);
  for (const segment of matches) {
    const [owner, sequence] = await Promise.all([
      loadActor(db, record.org_id, segment.ownerId),
      loadSequenceForConnect(db, record.org_id, segment.sequenceId),
    ]);
    if (!owner || !sequence?.connectable) continue;
    const [outcome] = await connectRecords(db, {
      orgId: record.org_id,
      sequence,
      actor: owner,
      policy,
      recordIds: [record.id],
      records: [record],
      now,
      source: `segment:${segment.id}`,
    });
    if (outcome?.status === 'connected') {
      return { segmentId: segment.id, sequenceId: sequence.id, connectionId: outcome.connectionId };
    }
  }
  return null;
}
