import type { Kysely } from 'kysely';
import { type ConnectRefusal, connectRefusal } from '../domain/connect/refusal.ts';
import type { Actor } from '../domain/identity.ts';
import { decideRecord, type OrgPolicy } from '../domain/permissions/permissions.ts';
import { insertConnectedTasks, insertNewConnections } from '../store/connections/insert-new-connections.ts';
import type { ConnectableRecord } from '../store/connections/open-records.ts';
import { recordAudit } from '../store/repos/audit-repo.ts';
import {
  findRecords,
  recordsWithLiveConnection,
  type SequenceForConnect,
} from '../store/repos/connections-repo.ts';
import { findSuppressions, suppressionAddress } from '../store/repos/suppressions-repo.ts';
import type { Database } from '../store/schema.ts';
import { type NewConnection, newConnection } from './new-connection.ts';

/**
 * Connecting records to a sequence: THE one write path (the API, bulk jobs, segments, the bench and the tests
 * all call `connectRecords`). It decides every record's refusal with the pure rules, then writes the
 * connections and their `connected` events (built by `newConnection`, which the engine's "advance to another
 * sequence" uses too) and one audit entry with multi-row statements (a few statements per thousand records). The engine writes the timeline entry when it applies the `connected` event.
 */
export type ConnectOutcome =
  | { recordId: string; status: 'connected'; connectionId: string }
  | { recordId: string; status: 'refused'; reason: ConnectRefusal };

export interface ConnectRecordsInput {
  orgId: string;
  sequence: SequenceForConnect;
  actor: Actor;
  policy: OrgPolicy;
  /** The records asked for, in order (repeats are refused as `already_connected`). */
  recordIds: string[];
  /** Rows of (some of) these records already in hand; the others are read. Ids that do not exist: `not_found`. */
  records?: ConnectableRecord[];
  /** Which of `records` have a live connection, when read together with them (the others are looked up). */
  liveRecordIds?: Set<string>;
  now: number;
  /** Written to the audit log: `manual`, `bulk_job:<id>`, `segment:<id>`. */
  source: string;
  /** Leave out records that already have a live connection instead of refusing them ("without a sequence"). */
  skipConnected?: boolean;
}

/** Connects what may be connected and reports every record's outcome. Run it inside a transaction. */
export async function connectRecords(
  db: Kysely<Database>,
  input: ConnectRecordsInput,
): Promise<ConnectOutcome[]> {
  const { sequence, actor, policy, now } = input;
  const byId = new Map((input.records ?? []).map((r) => [r.id, r]));
  const missing = input.recordIds.filter((id) => !byId.has(id));
  if (missing.length > 0) for (const r of await findRecords(db, input.orgId, missing)) byId.set(r.id, r);
  const requested = input.recordIds.map((recordId) => ({ recordId, record: byId.get(recordId) }));

  const known = input.liveRecordIds ? new Set((input.records ?? []).map((r) => r.id)) : null;
  const live = await recordsWithLiveConnection(
    db,
    input.orgId,
    requested.filter((r) => r.record && !known?.has(r.recordId)).map((r) => r.recordId),
  );
  for (const id of input.liveRecordIds ?? []) live.add(id);
  const suppressed = sequence.hasEmailSteps
    ? await findSuppressions(
        db,
        input.orgId,
        requested.flatMap((r) => (r.record?.email ? [r.record.email] : [])),
      )
    : new Map();
  const outcomes: ConnectOutcome[] = [];
  const versionId = sequence.activeVersionId!;
  const accepted: {
    index: number;
    record: ConnectableRecord;
    connectionId: string;
    created: NewConnection;
  }[] = [];
  const seen = new Set<string>();
  for (const { recordId, record } of requested) {
    if (input.skipConnected && record && live.has(record.id)) continue;
    const duplicate = seen.has(recordId);
    seen.add(recordId);
    const reason = duplicate
      ? 'already_connected'
      : connectRefusal(
          {
            connectable: sequence.connectable,
            recordType: sequence.recordType,
            hasEmailSteps: sequence.hasEmailSteps,
          },
          record && {
            type: record.type,
            status: record.status,
            email: record.email,
            doNotEmail: record.do_not_email === 1,
            suppressed: record.email ? suppressed.has(suppressionAddress(record.email)) : false,
            businessUnitId: record.business_unit_id,
            hasLiveConnection: live.has(record.id),
            permission: decideRecord(actor, policy, 'connect', {
              ownerId: record.owner_id,
              businessUnitId: record.business_unit_id,
            }),
          },
          actor.businessUnitId,
        );
    if (reason || !record) {
      outcomes.push({ recordId, status: 'refused', reason: reason ?? 'not_found' });
      continue;
    }
    const created = newConnection({
      orgId: input.orgId,
      recordId: record.id,
      ownerId: record.owner_id,
      sequenceId: sequence.id,
      versionId,
      connectedBy: actor.userId,
      now,
    });
    accepted.push({ index: outcomes.length, record, connectionId: created.connection.id, created });
    outcomes.push({ recordId, status: 'connected', connectionId: created.connection.id });
  }
  if (accepted.length === 0) return outcomes;

  const inserted = await insertNewConnections(
    db,
    accepted.map((a) => a.created.connection),
  );
  // A record connected meanwhile by someone else was left out by the one-live-connection index.
  const connected = accepted.filter((a) => inserted.has(a.connectionId));
  for (const lost of accepted.filter((a) => !inserted.has(a.connectionId))) {
    outcomes[lost.index] = { recordId: lost.record.id, status: 'refused', reason: 'already_connected' };
  }
  if (connected.length === 0) return outcomes;
  // Their keys name connections inserted just above: no conflict is possible.
  await insertConnectedTasks(
    db,
    connected.map((c) => c.created.connectedTask),
  );
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: actor.userId,
    action: 'connection.create',
    resourceType: 'sequence',
    resourceId: sequence.id,
    after: {
      source: input.source,
      versionId,
      connections: connected.map((c) => ({ recordId: c.record.id, connectionId: c.connectionId })),
    },
    at: now,
  });
  return outcomes;
}
