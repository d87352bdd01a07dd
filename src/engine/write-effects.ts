import type { Kysely, Selectable } from 'kysely';
import type { Effect } from '../domain/engine/effects.ts';
import { type ConnectionState, serializeState } from '../domain/engine/state.ts';
import { ORG_DEFAULT_SCHEDULE } from '../domain/schedule/schedule.ts';
import { assertNever } from '../domain/sequence/graph.ts';
import {
  type EngineWebhookEvent,
  parseSubscription,
  subscriptionMatches,
  webhookEnvelope,
} from '../domain/webhooks/events.ts';
import type { DialectName } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import {
  type ConnectionRow,
  type ConnectionUpdate,
  cancelUnsentMessages,
  insertConnections,
  insertNewOutboundMessages,
  insertNewStepInstances,
  insertNewTasks,
  insertOutboundMessages,
  insertTasks,
  insertTimeline,
  insertWebhookDeliveries,
  type Key,
  loadEnabledWebhooks,
  type RecordRow,
  type StepInstanceRow,
  type TaskRow,
  updateConnections,
  updateManyRecordFields,
  upsertStepInstances,
  writeStepInstances,
} from '../store/repos/engine-repo.ts';
import type {
  Database,
  OutboundMessagesTable,
  TimelineEventsTable,
  WebhookDeliveriesTable,
} from '../store/schema.ts';
import { eventTaskRow } from '../store/tasks/event-tasks.ts';
import { parseObject } from './load-context.ts';
import { connectedEventId, newConnection } from './new-connection.ts';
import { notifyAssignedSteps } from './step-notifications.ts';

/** The outcome of advancing one connection through one or more events. */
export interface Advanced {
  connection: ConnectionRow;
  record: RecordRow;
  before: ConnectionState;
  state: ConnectionState;
  /** Effects with the id of the event that caused them. */
  effects: { eventId: string; effect: Effect }[];
}

export const timerEventId = (connectionId: string, nodeId: string) => `timer:${connectionId}:${nodeId}`;
export { connectedEventId } from './new-connection.ts';
export const emailIdempotencyKey = (connectionId: string, nodeId: string, attempt: number) =>
  `${connectionId}:${nodeId}:${attempt}`;

const CORE_FIELDS: Record<
  string,
  'stage' | 'status' | 'company' | 'job_title' | 'name' | 'first_name' | 'last_name'
> = {
  stage: 'stage',
  status: 'status',
  company: 'company',
  jobTitle: 'job_title',
  name: 'name',
  firstName: 'first_name',
  lastName: 'last_name',
};
const RECORD_STATUSES = new Set(['open', 'qualified', 'disqualified', 'won', 'lost']);

function sameConnection(c: ConnectionRow, u: ConnectionUpdate): boolean {
  return (
    c.state_json === u.stateJson &&
    c.status === u.status &&
    c.current_node_id === u.currentNodeId &&
    c.reason === u.reason &&
    (c.ended_at ?? null) === u.endedAt
  );
}

/**
 * Writes new states and every effect's rows with multi-row statements. Called inside the transaction that also
 * marks the causing tasks done, so all of it commits together or not at all. Unique keys make repeats no-ops.
 */
export async function writeAdvanced(
  db: Kysely<Database>,
  dialect: DialectName,
  advanced: Advanced[],
  now: number,
  messageIdDomain = 'stepwise.local',
): Promise<void> {
  const updates: ConnectionUpdate[] = [];
  const steps = new Map<string, StepInstanceRow>();
  /** Keys of `steps` whose node the connection had not entered before this batch: no row of theirs exists. */
  const newSteps = new Set<string>();
  const tasks = new Map<string, TaskRow>();
  /** Keys of `tasks` that cannot exist yet (timers of nodes not entered before this batch, new connections'). */
  const newTasks = new Set<string>();
  const emails: { a: Advanced; effect: Extract<Effect, { type: 'queue_email' }> }[] = [];
  const timeline: TimelineEventsTable[] = [];
  const webhooks: {
    a: Advanced;
    eventId: string;
    event: EngineWebhookEvent;
    data: Record<string, unknown>;
  }[] = [];
  const ended: Key[] = [];
  const newConnections: ConnectionRow[] = [];
  const recordChanges = new Map<
    string,
    { record: RecordRow; changes: Record<string, unknown>; custom?: Record<string, unknown> }
  >();

  for (const a of advanced) {
    const c = a.connection;
    const { state } = a;
    const status = state.status === 'active' ? c.status : state.status;
    const reason = state.status === 'active' ? c.reason : state.endReason;
    const endedAt = state.status === 'active' ? null : (state.endedAt ?? now);
    const update: ConnectionUpdate = {
      orgId: c.org_id,
      id: c.id,
      status,
      stateJson: serializeState(state),
      currentNodeId: state.nodeId,
      reason,
      endedAt,
      updatedAt: now,
      keepsStatus: status === c.status && reason === c.reason && endedAt === (c.ended_at ?? null),
    };
    // An event that changed nothing on the connection (a timer that only made a step due) rewrites no row.
    if (!sameConnection(c, update)) updates.push(update);
    for (const { eventId, effect } of a.effects) {
      switch (effect.type) {
        case 'step': {
          const s = effect.step;
          const key = `${c.org_id}:${c.id}:${s.nodeId}`;
          if (!a.before.visited.includes(s.nodeId)) newSteps.add(key);
          steps.set(key, {
            org_id: c.org_id,
            id: newId(now),
            connection_id: c.id,
            record_id: c.record_id,
            sequence_id: c.sequence_id,
            node_id: s.nodeId,
            kind: s.kind,
            name: s.name,
            status: s.status,
            owner_id: s.ownerId ?? c.owner_id,
            due_at: s.dueAt,
            priority: 0,
            outcome: s.outcome,
            note: s.note,
            variant: s.variant,
            completed_at: s.completedAt,
            completed_by: s.completedBy,
            read_at: null,
            created_at: now,
            updated_at: now,
          });
          break;
        }
        case 'schedule_timer': {
          const event = { id: timerEventId(c.id, effect.nodeId), type: 'timer', nodeId: effect.nodeId };
          const key = `${c.org_id}:${event.id}`;
          if (!a.before.visited.includes(effect.nodeId)) newTasks.add(key);
          tasks.set(key, eventTaskRow(c.org_id, c.id, event, effect.dueAt, now));
          break;
        }
        case 'queue_email':
          emails.push({ a, effect });
          break;
        case 'set_field': {
          const key = `${c.org_id}:${c.record_id}`;
          const entry = recordChanges.get(key) ?? { record: a.record, changes: {} };
          recordChanges.set(key, entry);
          const column = CORE_FIELDS[effect.field];
          if (effect.field === 'doNotEmail' || effect.field === 'doNotCall') {
            entry.changes[effect.field === 'doNotEmail' ? 'do_not_email' : 'do_not_call'] =
              effect.value === true || effect.value === 'true' ? 1 : 0;
          } else if (column && (column !== 'status' || RECORD_STATUSES.has(String(effect.value)))) {
            entry.changes[column] = String(effect.value);
          } else {
            entry.custom ??= parseObject(a.record.custom_json);
            entry.custom[effect.field] = effect.value;
          }
          break;
        }
        case 'connect_sequence': {
          // The sequence's own command: the same connection rows as connectRecords (newConnection), written in
          // this batch's transaction so ending the old connection and starting the new one commit together. No
          // user permission check: no user is acting. The sequence's owner chose the target, validation checked
          // it at activation, and `advance` checks it again now (load-context's advanceTargets: visible to the
          // running sequence's owner, active, same record type); the person who connected the first sequence
          // stays the connector.
          const { connection, connectedTask } = newConnection({
            orgId: c.org_id,
            recordId: c.record_id,
            ownerId: a.record.owner_id,
            sequenceId: effect.sequenceId,
            versionId: effect.versionId,
            connectedBy: c.connected_by,
            now,
          });
          newConnections.push(connection);
          const key = `${c.org_id}:${connectedEventId(connection.id)}`;
          newTasks.add(key);
          tasks.set(key, connectedTask);
          break;
        }
        case 'end':
          if (effect.status === 'disconnected' && effect.reason !== 'advanced')
            ended.push({ orgId: c.org_id, id: c.id });
          break;
        case 'timeline':
          timeline.push({
            org_id: c.org_id,
            id: newId(now),
            record_id: c.record_id,
            connection_id: c.id,
            kind: effect.kind,
            actor_id: effect.actorId,
            summary: effect.summary,
            data_json: JSON.stringify({ ...effect.data, sequenceId: c.sequence_id }),
            occurred_at: now,
          });
          break;
        case 'webhook':
          webhooks.push({ a, eventId, event: effect.event, data: effect.data });
          break;
        default:
          assertNever(effect);
      }
    }
  }

  // Order matters: an ended connection must be written before the record's next connection is inserted.
  await updateConnections(db, dialect, updates);
  if (newConnections.length > 0) await insertConnections(db, newConnections);
  const stepIds = new Map<string, string>();
  if (steps.size > 0) {
    // Steps of nodes the connection had not entered cannot have a row yet (inserts, their ids are the ones made
    // here). Of the others, only a step an email points at needs its id back (an existing row keeps its own id);
    // the rest are written without RETURNING.
    const emailSteps = new Set(
      emails.map(({ a, effect }) => `${a.connection.org_id}:${a.connection.id}:${effect.nodeId}`),
    );
    const fresh: StepInstanceRow[] = [];
    const linked: StepInstanceRow[] = [];
    const rest: StepInstanceRow[] = [];
    for (const [key, row] of steps) {
      if (newSteps.has(key)) fresh.push(row);
      else if (emailSteps.has(key)) linked.push(row);
      else rest.push(row);
    }
    await writeStepInstances(db, rest);
    const written = [
      ...(await upsertStepInstances(db, linked)),
      ...(await insertNewStepInstances(db, dialect, fresh)),
    ];
    for (const row of written) stepIds.set(`${row.connection_id}:${row.node_id}`, row.id);
    await notifyAssignedSteps(db, advanced, now);
  }
  if (tasks.size > 0) {
    const fresh: TaskRow[] = [];
    const rest: TaskRow[] = [];
    for (const [key, row] of tasks) (newTasks.has(key) ? fresh : rest).push(row);
    if (rest.length > 0) await insertTasks(db, rest);
    await insertNewTasks(db, dialect, fresh);
  }
  if (ended.length > 0) await cancelUnsentMessages(db, ended, now);
  if (emails.length > 0) {
    const fresh: Selectable<OutboundMessagesTable>[] = [];
    const rest: Selectable<OutboundMessagesTable>[] = [];
    for (const { a, effect } of emails) {
      const c = a.connection;
      const key = emailIdempotencyKey(c.id, effect.nodeId, effect.attempt);
      (a.before.visited.includes(effect.nodeId) ? rest : fresh).push({
        org_id: c.org_id,
        id: newId(now),
        connection_id: c.id,
        step_instance_id: stepIds.get(`${c.id}:${effect.nodeId}`) ?? null,
        record_id: c.record_id,
        sender_user_id: a.record.owner_id,
        to_address: a.record.email ?? '',
        subject: '',
        body_html: '',
        body_text: '',
        message_id: `<${c.id}.${effect.nodeId}.${effect.attempt}@${messageIdDomain}>`,
        idempotency_key: key,
        status: 'queued',
        hold_reason: null,
        template_id: effect.templateId,
        variant: effect.variant,
        tracking: effect.tracking ? 1 : 0,
        not_before: effect.notBefore,
        attempts: 0,
        last_error: null,
        schedule_id: effect.scheduleId ?? ORG_DEFAULT_SCHEDULE,
        lease_owner: null,
        lease_until: null,
        sent_at: null,
        created_at: now,
        updated_at: now,
        content_kind: 'template',
        raw_mime: null,
        smtp_response: null,
      });
    }
    // An email of a node the connection had not entered before this batch cannot have a row yet.
    if (rest.length > 0) await insertOutboundMessages(db, rest);
    await insertNewOutboundMessages(db, dialect, fresh);
  }
  if (recordChanges.size > 0) {
    await updateManyRecordFields(
      db,
      [...recordChanges.values()].map(({ record, changes, custom }) => ({
        orgId: record.org_id,
        id: record.id,
        changes: { ...changes, ...(custom ? { custom_json: JSON.stringify(custom) } : {}) },
      })),
      now,
    );
  }
  if (timeline.length > 0) await insertTimeline(db, timeline);
  if (webhooks.length > 0) await writeWebhooks(db, webhooks, now);
}

async function writeWebhooks(
  db: Kysely<Database>,
  items: { a: Advanced; eventId: string; event: EngineWebhookEvent; data: Record<string, unknown> }[],
  now: number,
): Promise<void> {
  const hooks = await loadEnabledWebhooks(db, [...new Set(items.map((i) => i.a.connection.org_id))]);
  if (hooks.length === 0) return;
  const rows: WebhookDeliveriesTable[] = [];
  for (const hook of hooks) {
    const patterns = parseSubscription(hook.events_json);
    for (const item of items) {
      const c = item.a.connection;
      if (c.org_id !== hook.org_id || !subscriptionMatches(patterns, item.event)) continue;
      const id = webhookEventId(c.id, item.eventId, item.event, item.data);
      const envelope = webhookEnvelope({
        id,
        event: item.event,
        at: now,
        orgId: c.org_id,
        data: { connectionId: c.id, recordId: c.record_id, sequenceId: c.sequence_id, ...item.data },
      });
      rows.push({
        org_id: c.org_id,
        id: newId(now),
        webhook_id: hook.id,
        event: item.event,
        payload_json: JSON.stringify(envelope),
        idempotency_key: id,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        response_status: null,
        last_error: null,
        lease_owner: null,
        lease_until: null,
        created_at: now,
        updated_at: now,
      });
    }
  }
  if (rows.length > 0) await insertWebhookDeliveries(db, rows);
}

/** Stable per connection, causing event, webhook event and node: a retried batch queues nothing twice. */
export function webhookEventId(
  connectionId: string,
  eventId: string,
  event: EngineWebhookEvent,
  data: Record<string, unknown>,
): string {
  const node = typeof data.nodeId === 'string' ? `:${data.nodeId}` : '';
  return `${connectionId}:${eventId}:${event}${node}`;
}
