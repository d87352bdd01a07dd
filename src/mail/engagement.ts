import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { EngineEvent, ExitReason } from '../domain/engine/events.ts';
import type { EmailResult } from '../domain/sequence/definition.ts';
import type { MailWebhookEvent } from '../domain/webhooks/events.ts';
import { enqueueEvent } from '../engine/enqueue-event.ts';
import { setDoNotEmail } from '../store/mail/do-not-email.ts';
import { recordAudit } from '../store/repos/audit-repo.ts';
import { liveConnectionsOf } from '../store/repos/connections-repo.ts';
import {
  cancelPendingForRecord,
  findStepNodeId,
  insertEngagement,
  insertTimeline,
  type OutboundRow,
} from '../store/repos/mail-repo.ts';
import { insertNotification, recordOwnerOf } from '../store/repos/notifications-repo.ts';
import type { Database, EngagementType } from '../store/schema.ts';
import { emitWebhookEvent } from './webhooks.ts';

/**
 * What happened to a sent email (open, click, reply, auto-reply, bounce, unsubscribe), recorded once:
 * the engagement row's unique dedupe key decides whether this report is new. Only a new one writes the
 * record's timeline, hands an event to the engine (event ids are deterministic per message, so the engine
 * gets each result once however many opens or replies arrive) and queues webhooks — all in the caller's
 * transaction.
 */

export type MessageRef = Pick<
  OutboundRow,
  | 'org_id'
  | 'id'
  | 'connection_id'
  | 'record_id'
  | 'step_instance_id'
  | 'subject'
  | 'to_address'
  | 'message_id'
>;

const TIMELINE_KIND: Record<EngagementType, string> = {
  open: 'email_opened',
  click: 'email_clicked',
  reply: 'email_replied',
  auto_reply: 'email_auto_reply',
  bounce: 'email_bounced',
  unsubscribe: 'email_unsubscribed',
};

const WEBHOOK_EVENT: Record<EngagementType, MailWebhookEvent> = {
  open: 'email.opened',
  click: 'email.clicked',
  reply: 'email.replied',
  auto_reply: 'email.replied',
  bounce: 'email.bounced',
  unsubscribe: 'email.unsubscribed',
};

export interface EngagementReport {
  message: MessageRef;
  type: EngagementType;
  dedupeKey: string;
  machine: boolean;
  data: Record<string, unknown>;
  occurredAt: number;
  now: number;
  summary: string;
  /** Results handed to the engine (ignored for messages without a connection). */
  results?: EmailResult[];
  exit?: ExitReason;
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** Records one report; returns false (and does nothing else) when it was recorded before. */
export async function recordEngagement(db: Kysely<Database>, report: EngagementReport): Promise<boolean> {
  const { message } = report;
  const fresh = await insertEngagement(db, {
    orgId: message.org_id,
    outboundMessageId: message.id,
    connectionId: message.connection_id,
    recordId: message.record_id,
    type: report.type,
    dedupeKey: report.dedupeKey,
    machine: report.machine,
    data: report.data,
    occurredAt: report.occurredAt,
    now: report.now,
  });
  if (!fresh) return false;
  if (message.record_id) {
    await insertTimeline(db, {
      orgId: message.org_id,
      recordId: message.record_id,
      connectionId: message.connection_id,
      kind: TIMELINE_KIND[report.type],
      actorId: null,
      summary: report.summary,
      data: {
        outboundMessageId: message.id,
        subject: message.subject,
        machine: report.machine,
        ...report.data,
      },
      occurredAt: report.occurredAt,
    });
  }
  if (message.record_id && report.type === 'reply' && !report.machine) {
    // A person replied: the record's owner is told (the bell in the header), not only the timeline.
    const record = await recordOwnerOf(db, message.org_id, message.record_id);
    if (record) {
      await insertNotification(db, {
        orgId: message.org_id,
        userId: record.ownerId,
        kind: 'reply',
        recordId: message.record_id,
        summary: `${record.name} replied: ${message.subject}`,
        data: { outboundMessageId: message.id, subject: message.subject },
        now: report.now,
      });
    }
  }
  if (message.connection_id) {
    const events: EngineEvent[] = [];
    if (report.results?.length) {
      const nodeId = await findStepNodeId(db, message);
      if (nodeId) {
        for (const result of report.results) {
          events.push({
            id: `mail:${message.id}:${result}`,
            type: 'email_result',
            nodeId,
            result,
            at: report.occurredAt,
          });
        }
      }
    }
    if (report.exit)
      events.push({ id: `mail:${message.id}:exit:${report.exit}`, type: 'exit', reason: report.exit });
    for (const event of events) {
      await enqueueEvent(db, {
        orgId: message.org_id,
        connectionId: message.connection_id,
        event,
        dueAt: report.now,
        now: report.now,
      });
    }
  }
  await emitWebhookEvent(db, {
    orgId: message.org_id,
    event: WEBHOOK_EVENT[report.type],
    payload: {
      type: report.type,
      outboundMessageId: message.id,
      messageId: message.message_id,
      recordId: message.record_id,
      connectionId: message.connection_id,
      to: message.to_address,
      machine: report.machine,
      ...report.data,
    },
    idempotencyKey: `engagement:${report.dedupeKey}`,
    now: report.now,
  });
  return true;
}

/**
 * Unsubscribe / do-not-email: the record gets `do_not_email`, its unsent messages are canceled, this
 * connection ends with `unsubscribed` and the record's other active connections with `do_not_email`.
 */
export async function applyDoNotEmail(
  db: Kysely<Database>,
  input: {
    orgId: string;
    recordId: string;
    sourceMessageId: string;
    /** Ended separately (with `unsubscribed`); left out here. */
    exceptConnectionId: string | null;
    now: number;
    reason: string;
  },
): Promise<void> {
  const changed = await setDoNotEmail(db, { orgId: input.orgId, recordId: input.recordId, now: input.now });
  if (changed === 'missing') return;
  if (changed === 'set') {
    await recordAudit(db, {
      orgId: input.orgId,
      actorId: null,
      action: 'record.do_not_email',
      resourceType: 'record',
      resourceId: input.recordId,
      before: { do_not_email: 0 },
      after: { do_not_email: 1, reason: input.reason },
      at: input.now,
    });
  }
  await cancelPendingForRecord(db, input.orgId, input.recordId, input.reason, input.now);
  const connections = [...(await liveConnectionsOf(db, input.orgId, [input.recordId])).values()];
  for (const connection of connections) {
    if (connection.id === input.exceptConnectionId) continue;
    await enqueueEvent(db, {
      orgId: input.orgId,
      connectionId: connection.id,
      event: {
        id: `mail:${input.sourceMessageId}:dne:${connection.id}`,
        type: 'exit',
        reason: 'do_not_email',
      },
      dueAt: input.now,
      now: input.now,
    });
  }
}
