import type { EmailResult, SequenceDefinition, SequenceNode } from '../sequence/definition.ts';
import { assertNever, isManualKind } from '../sequence/graph.ts';
import type { AdvanceContext } from './context.ts';
import type { Effect } from './effects.ts';
import type { EngineEvent } from './events.ts';
import { isEmailNode, label, nextOf } from './node-text.ts';
import { GraphRun } from './run-graph.ts';
import { type ConnectionState, SEEN_EVENT_WINDOW } from './state.ts';

export { label } from './node-text.ts';

export interface AdvanceResult {
  state: ConnectionState;
  effects: Effect[];
}

/**
 * The engine's heart: given where a connection is and one thing that happened, the new position and the
 * effects to carry out. Pure: no I/O, no clock (time is `now`), never throws for a parsed definition.
 *
 * Idempotent per event id; events that no longer apply (a timer for a node the connection has left, a late
 * open, anything after the end) change nothing.
 */
export function advance(
  definition: SequenceDefinition,
  state: ConnectionState,
  event: EngineEvent,
  now: number,
  context: AdvanceContext,
): AdvanceResult {
  if (state.status !== 'active' || state.seen.includes(event.id)) return { state, effects: [] };
  const run = new Run(definition, structuredClone(state), now, context);
  run.state.seen = [...run.state.seen, event.id].slice(-SEEN_EVENT_WINDOW);
  run.apply(event);
  return { state: run.state, effects: run.effects };
}

/** Reacting to one event: which events still apply where the connection stands, and what each one does. */
class Run extends GraphRun {
  apply(event: EngineEvent): void {
    const current = this.state.nodeId ? this.nodes.get(this.state.nodeId) : undefined;
    const here = (nodeId: string) => current !== undefined && current.id === nodeId;
    switch (event.type) {
      case 'connected':
        if (this.state.phase !== 'new') return;
        this.timeline('connected', 'Connected to the sequence', null, {});
        this.webhook('connection.connected', {});
        this.enter(this.definition.start);
        return;
      case 'timer':
        if (!current || !here(event.nodeId) || this.state.phase !== 'waiting') return;
        this.onTimer(current);
        return;
      case 'step_completed':
        if (!current || !here(event.nodeId) || this.state.phase !== 'due' || !isManualKind(current.kind))
          return;
        this.finishStep(
          current,
          {
            status: 'completed',
            at: this.now,
            by: event.actorId,
            ...(event.outcome ? { outcome: event.outcome } : {}),
          },
          event.note ?? null,
        );
        this.timeline('step_completed', `Completed: ${label(current)}`, event.actorId, {
          nodeId: current.id,
          outcome: event.outcome ?? null,
        });
        this.webhook('step.completed', {
          nodeId: current.id,
          kind: current.kind,
          outcome: event.outcome ?? null,
          actorId: event.actorId,
        });
        this.enter(nextOf(current));
        return;
      case 'step_skipped':
        if (!current || !here(event.nodeId)) return;
        this.onSkip(current, event.actorId);
        return;
      case 'wait_skipped':
        if (!current || !here(event.nodeId) || current.kind !== 'wait' || this.state.phase !== 'waiting')
          return;
        this.finishStep(current, { status: 'completed', at: this.now, by: event.actorId }, null);
        this.timeline('wait_skipped', `Skipped the wait: ${label(current)}`, event.actorId, {
          nodeId: current.id,
        });
        this.enter(current.next);
        return;
      case 'email_result':
        this.onEmailResult(event.nodeId, event.result, current);
        return;
      case 'email_failed': {
        const node = this.nodes.get(event.nodeId);
        if (!node || !isEmailNode(node) || !this.state.steps[node.id]) return;
        this.state.steps[node.id] = { status: 'failed', at: this.now, reason: event.reason };
        this.emitStep(node, 'failed', { dueAt: null, note: event.reason });
        this.timeline('email_failed', `Email not delivered: ${label(node)}`, null, {
          nodeId: node.id,
          reason: event.reason,
        });
        if (
          current?.kind === 'condition_email' &&
          current.inspects === node.id &&
          this.state.phase === 'waiting'
        ) {
          this.branch(current, 'no');
        }
        return;
      }
      case 'exit':
        this.end('disconnected', event.reason, event.actorId ?? null);
        return;
      case 'step_snoozed':
        if (!current || !here(event.nodeId) || this.state.phase !== 'due') return;
        this.state.dueAt = event.until;
        this.emitStep(current, 'due', { dueAt: event.until });
        this.timeline('step_snoozed', `Snoozed: ${label(current)}`, event.actorId, {
          nodeId: current.id,
          until: event.until,
        });
        this.webhook('step.snoozed', {
          nodeId: current.id,
          kind: current.kind,
          actorId: event.actorId,
          until: new Date(event.until).toISOString(),
        });
        return;
      case 'step_assigned':
        if (!current || !here(event.nodeId) || this.state.phase !== 'due') return;
        this.state.assignees[current.id] = event.ownerId;
        this.emitStep(current, 'due', { dueAt: this.state.dueAt });
        this.timeline('step_assigned', `Assigned: ${label(current)}`, event.actorId, {
          nodeId: current.id,
          ownerId: event.ownerId,
        });
        this.webhook('step.assigned', {
          nodeId: current.id,
          kind: current.kind,
          actorId: event.actorId,
          ownerId: event.ownerId,
        });
        return;
      case 'record_changed':
        if (current && this.state.phase === 'cannot_evaluate') {
          this.state.visited = this.state.visited.filter((id) => id !== current.id);
          this.enter(current.id);
        }
        return;
      default:
        assertNever(event);
    }
  }
  protected onTimer(node: SequenceNode): void {
    switch (node.kind) {
      case 'wait':
        this.finishStep(node, { status: 'completed', at: this.now }, null);
        this.enter(node.next);
        return;
      case 'automated_email':
        this.sendEmail(node);
        this.enter(node.next);
        return;
      case 'condition_email':
        this.branch(node, this.emailConditionMet(node) ? 'yes' : 'no');
        return;
      default:
        return;
    }
  }

  protected onSkip(node: SequenceNode, actorId: string): void {
    if ('yes' in node) {
      if (this.state.phase !== 'waiting' && this.state.phase !== 'cannot_evaluate') return;
      this.timeline('condition_skipped', `Skipped: ${label(node)}`, actorId, { nodeId: node.id });
      this.branch(node, 'no');
      return;
    }
    if (isManualKind(node.kind) && this.state.phase === 'due') {
      const status = node.kind === 'task' ? 'canceled' : 'skipped';
      this.finishStep(node, { status, at: this.now, by: actorId }, null);
      this.timeline('step_skipped', `Skipped: ${label(node)}`, actorId, { nodeId: node.id });
      this.webhook('step.skipped', { nodeId: node.id, kind: node.kind, actorId });
      this.enter(nextOf(node));
      return;
    }
    if ((node.kind === 'wait' || node.kind === 'automated_email') && this.state.phase === 'waiting') {
      this.finishStep(node, { status: 'skipped', at: this.now, by: actorId }, null);
      this.timeline('step_skipped', `Skipped: ${label(node)}`, actorId, { nodeId: node.id });
      this.webhook('step.skipped', { nodeId: node.id, kind: node.kind, actorId });
      this.enter(node.next);
    }
  }

  protected onEmailResult(nodeId: string, result: EmailResult, current?: SequenceNode): void {
    const node = this.nodes.get(nodeId);
    const step = this.state.steps[nodeId];
    if (!node || !isEmailNode(node) || !step || (step.status !== 'sent' && step.status !== 'completed'))
      return;
    const seen = this.state.emailResults[nodeId] ?? [];
    if (!seen.includes(result)) this.state.emailResults[nodeId] = [...seen, result];
    if (result === 'replied' && this.definition.options.exitOnReply) {
      this.end('disconnected', 'replied');
      return;
    }
    if (
      current?.kind === 'condition_email' &&
      current.inspects === nodeId &&
      current.moveWhenSeen &&
      this.state.phase === 'waiting' &&
      this.emailConditionMet(current)
    ) {
      this.branch(current, 'yes');
    }
  }
}
