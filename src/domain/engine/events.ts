import type { CallOutcome, EmailResult } from '../sequence/definition.ts';

/**
 * Things that happen to a connected record. `advance(definition, state, event, now, context)` consumes one at a
 * time. Every event carries an `id`: applying the same id twice changes nothing (events arrive late, twice or out
 * of order). The engine owns this union; other layers create events only through `src/engine/enqueue-event.ts`.
 */
export type EngineEvent =
  /** The record was just connected: enter the start node. */
  | { id: string; type: 'connected' }
  /** A scheduled wake-up fired: a wait ended, an automated step is due, a condition's time limit ran out. */
  | { id: string; type: 'timer'; nodeId: string }
  /** The seller marked a manual step done (outcome for calls). */
  | {
      id: string;
      type: 'step_completed';
      nodeId: string;
      actorId: string;
      outcome?: CallOutcome;
      note?: string;
    }
  /** The seller skipped a step (a condition that inspects it then goes to No). */
  | { id: string; type: 'step_skipped'; nodeId: string; actorId: string }
  /** The seller skipped the rest of a wait. */
  | { id: string; type: 'wait_skipped'; nodeId: string; actorId: string }
  /** The mail layer saw a result of the email sent by step `nodeId` (open, reply, click, …). */
  | { id: string; type: 'email_result'; nodeId: string; result: EmailResult; at: number }
  /** The mail layer gave up on the email of step `nodeId` (permanent failure or held beyond repair). */
  | { id: string; type: 'email_failed'; nodeId: string; reason: string }
  /**
   * Something ends the connection from outside: hard bounce, unsubscribe, do-not-email, record closed, the
   * sequence deactivated or deleted, a seller's disconnect. The only way a connection ends early.
   */
  | { id: string; type: 'exit'; reason: ExitReason; actorId?: string | null }
  /** The seller moved the due time of the current manual step. */
  | { id: string; type: 'step_snoozed'; nodeId: string; actorId: string; until: number }
  /** The current manual step was handed to another seller. */
  | { id: string; type: 'step_assigned'; nodeId: string; actorId: string; ownerId: string }
  /** The record changed: a field condition that could not be evaluated is tried again. */
  | { id: string; type: 'record_changed' };

export type EngineEventType = EngineEvent['type'];

export type ExitReason =
  | 'replied'
  | 'bounced'
  | 'unsubscribed'
  | 'do_not_email'
  | 'record_qualified'
  | 'record_disqualified'
  | 'record_won'
  | 'record_lost'
  | 'sequence_deactivated'
  | 'sequence_deleted'
  | 'manual';
