import type { CallOutcome, NodeKind } from '../sequence/definition.ts';
import type { EngineWebhookEvent } from '../webhooks/events.ts';

/** A step instance as `advance` wants it to be (the engine upserts by connection + node). */
export interface StepWrite {
  nodeId: string;
  kind: NodeKind;
  name: string;
  status: 'upcoming' | 'due' | 'waiting' | 'completed' | 'skipped' | 'canceled' | 'failed';
  dueAt: number | null;
  /** null: the connection's owner. */
  ownerId: string | null;
  variant: string | null;
  outcome: CallOutcome | string | null;
  note: string | null;
  completedAt: number | null;
  completedBy: string | null;
}

export type EndStatus = 'completed' | 'disconnected' | 'failed';

/**
 * What `advance` asks the world to do. Data only: the engine writes every effect of one event in the same
 * transaction as the new state, each guarded by a unique idempotency key.
 */
export type Effect =
  /** Create or update the step instance of `step.nodeId` (work list, Up next, progress). */
  | { type: 'step'; step: StepWrite }
  /** Wake the connection at `dueAt` with a `timer` event for `nodeId`. */
  | { type: 'schedule_timer'; nodeId: string; dueAt: number }
  /** Put an email in the outbox; the mail layer renders the template when it sends. */
  | {
      type: 'queue_email';
      nodeId: string;
      templateId: string | null;
      variant: string | null;
      notBefore: number;
      attempt: number;
      tracking: boolean;
      /** The schedule the email goes in (the step's override, else the sequence's); null: the org default. */
      scheduleId: string | null;
    }
  /** Set a core or custom field on the record. */
  | { type: 'set_field'; nodeId: string; field: string; value: string | boolean }
  /** Connect the record to another sequence's active version (after this connection ended). */
  | { type: 'connect_sequence'; nodeId: string; sequenceId: string; versionId: string }
  /** The connection is over. */
  | { type: 'end'; status: EndStatus; reason: string }
  /** An entry on the record's timeline. */
  | {
      type: 'timeline';
      kind: string;
      summary: string;
      actorId: string | null;
      data: Record<string, unknown>;
    }
  /** A webhook event for subscribed integrations. */
  | { type: 'webhook'; event: EngineWebhookEvent; data: Record<string, unknown> };

export type EffectType = Effect['type'];
