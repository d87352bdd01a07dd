import { evaluateFieldRule } from '../fields/evaluate.ts';
import { moveIntoSendWindow } from '../schedule/send-window.ts';
import { resolveTimeZone, validZone } from '../schedule/time-zone.ts';
import { calendarWaitEnd, workingWaitEnd } from '../schedule/wait-end.ts';
import type { WorkingCalendar } from '../schedule/working-calendar.ts';
import type {
  EmailResult,
  FieldValue,
  NodeOfKind,
  SequenceDefinition,
  SequenceNode,
} from '../sequence/definition.ts';
import { assertNever, isManualKind, nodeIndex } from '../sequence/graph.ts';
import { DEFAULT_STEP_LABELS } from '../sequence/step-labels.ts';
import { stageMatches } from '../stages.ts';
import type { EngineWebhookData, EngineWebhookEvent } from '../webhooks/events.ts';
import type { AdvanceTarget } from './advance-target.ts';
import type { AdvanceContext } from './context.ts';
import type { Effect, EndStatus, StepWrite } from './effects.ts';
import type { EngineEvent } from './events.ts';
import { pickVariant } from './pick-variant.ts';
import { type ConnectionState, SEEN_EVENT_WINDOW, type StepResult } from './state.ts';

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

type Branch = 'yes' | 'no';

class Run {
  readonly effects: Effect[] = [];
  private readonly nodes: Map<string, SequenceNode>;
  private readonly fields: Record<string, FieldValue>;

  constructor(
    private readonly definition: SequenceDefinition,
    readonly state: ConnectionState,
    private readonly now: number,
    private readonly context: AdvanceContext,
  ) {
    this.nodes = nodeIndex(definition);
    this.fields = { ...context.record.fields };
  }

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
        if (!current || !here(event.nodeId) || this.state.phase !== 'due' || current.kind === 'task') return;
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

  // ── Arriving at nodes ───────────────────────────────────────────────────────────────────────────────────
  /** Enters `nodeId` and keeps going through nodes that finish at once, until one has to wait or the end. */
  private enter(first: string | null): void {
    let nodeId = first;
    for (let hops = 0; hops <= this.definition.nodes.length + 1; hops++) {
      if (nodeId === null) {
        this.end('completed', 'completed');
        return;
      }
      const node = this.nodes.get(nodeId);
      if (!node) {
        this.end('failed', 'node_missing');
        return;
      }
      if (this.state.visited.includes(node.id)) {
        this.end('failed', 'cycle');
        return;
      }
      this.state.visited.push(node.id);
      this.state.nodeId = node.id;
      this.state.enteredAt = this.now;
      this.state.dueAt = null;
      this.state.blockedReason = null;
      const next = this.arrive(node);
      if (next === undefined) return;
      if ('yes' in node) {
        const branch = next === node.yes ? 'Yes' : 'No';
        this.timeline('condition', `${label(node)}: ${branch}`, null, {
          nodeId: node.id,
          branch: branch.toLowerCase(),
        });
      }
      nodeId = next;
    }
    this.end('failed', 'cycle');
  }

  /** Does what a node does on arrival; returns the node to go on to, or undefined to stay. */
  private arrive(node: SequenceNode): string | null | undefined {
    switch (node.kind) {
      case 'email':
      case 'phone_call':
      case 'task':
      case 'text_message':
      case 'linkedin_research':
      case 'linkedin_introduction':
      case 'linkedin_connect':
      case 'linkedin_inmail': {
        if (node.kind === 'email' && node.abTest) {
          this.state.variants[node.id] = pickVariant(
            node.abTest,
            this.context.connectionId,
            node.id,
            this.context.abWinners?.[node.id],
          );
        }
        this.state.phase = 'due';
        this.state.dueAt = this.now;
        this.emitStep(node, 'due', { dueAt: this.now });
        this.webhook('step.due', { nodeId: node.id, kind: node.kind });
        return undefined;
      }
      case 'wait': {
        const dueAt = this.waitEnd({ days: node.days, hours: node.hours });
        if (dueAt <= this.now) {
          this.finishStep(node, { status: 'completed', at: this.now }, null);
          return node.next;
        }
        this.waitUntil(node, dueAt, true);
        return undefined;
      }
      case 'automated_email': {
        // A schedule is checked when the email is handed to SMTP (mail delivery); only the deprecated daily
        // send window of a sequence without a schedule still delays the step here.
        const legacyWindow =
          node.scheduleId || this.definition.options.scheduleId ? null : this.definition.options.sendWindow;
        const dueAt = moveIntoSendWindow(this.now, legacyWindow, this.recordZone());
        if (dueAt > this.now) {
          this.waitUntil(node, dueAt, true);
          return undefined;
        }
        this.sendEmail(node);
        return node.next;
      }
      case 'update_field':
        this.effects.push({ type: 'set_field', nodeId: node.id, field: node.field, value: node.value });
        this.fields[node.field] = node.value;
        this.finishStep(node, { status: 'completed', at: this.now }, null);
        this.timeline('field_updated', `Set ${node.field}`, null, { field: node.field, value: node.value });
        return node.next;
      case 'advance_sequence': {
        const target: AdvanceTarget = (node.sequenceId
          ? this.context.advanceTargets[node.sequenceId]
          : undefined) ?? { kind: 'refused', reason: 'advance_target_not_visible' };
        if (!node.sequenceId || target.kind === 'refused') {
          const reason = target.kind === 'refused' ? target.reason : 'advance_target_not_visible';
          // The record stays out of a sequence it may not enter; the connection ends through the normal path.
          this.finishStep(node, { status: 'failed', at: this.now, reason }, null);
          this.end('failed', reason);
          return undefined;
        }
        this.finishStep(node, { status: 'completed', at: this.now }, null);
        this.end('disconnected', 'advanced');
        this.effects.push({
          type: 'connect_sequence',
          nodeId: node.id,
          sequenceId: node.sequenceId,
          versionId: target.versionId,
        });
        return undefined;
      }
      case 'condition_email': {
        const inspected = this.state.steps[node.inspects];
        if (!inspected || (inspected.status !== 'sent' && inspected.status !== 'completed')) return node.no;
        if (node.moveWhenSeen && this.emailConditionMet(node)) return node.yes;
        const limit = calendarWaitEnd(this.now, node.timeLimit, this.recordZone());
        if (limit <= this.now) return this.emailConditionMet(node) ? node.yes : node.no;
        this.waitUntil(node, limit, false);
        return undefined;
      }
      case 'condition_call': {
        const inspected = this.state.steps[node.inspects];
        const met =
          inspected?.status === 'completed' &&
          inspected.outcome !== undefined &&
          node.outcomes.includes(inspected.outcome);
        return met ? node.yes : node.no;
      }
      case 'condition_field': {
        const outcome = evaluateFieldRule(node.rule, this.fields, this.context.customFieldNames);
        if ('missingField' in outcome) {
          this.state.phase = 'cannot_evaluate';
          this.state.blockedReason = `The field "${outcome.missingField}" does not exist on this record type`;
          this.timeline('cannot_evaluate', `Cannot evaluate: ${label(node)}`, null, {
            nodeId: node.id,
            field: outcome.missingField,
          });
          return undefined;
        }
        return outcome.result ? node.yes : node.no;
      }
      case 'condition_stage': {
        const stage = this.fields.stage ?? this.context.record.stage;
        return stageMatches(stage, node.stages) ? node.yes : node.no;
      }
      default:
        return assertNever(node);
    }
  }

  private onTimer(node: SequenceNode): void {
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

  private onSkip(node: SequenceNode, actorId: string): void {
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

  private onEmailResult(nodeId: string, result: EmailResult, current?: SequenceNode): void {
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

  private emailConditionMet(node: NodeOfKind<'condition_email'>): boolean {
    const seen = this.state.emailResults[node.inspects] ?? [];
    return node.combine === 'all'
      ? node.results.every((r) => seen.includes(r))
      : node.results.some((r) => seen.includes(r));
  }

  private branch(node: SequenceNode, branch: Branch): void {
    if (!('yes' in node)) return;
    this.timeline('condition', `${label(node)}: ${branch === 'yes' ? 'Yes' : 'No'}`, null, {
      nodeId: node.id,
      branch,
    });
    this.enter(branch === 'yes' ? node.yes : node.no);
  }

  // ── Doing things ────────────────────────────────────────────────────────────────────────────────────────
  private sendEmail(node: NodeOfKind<'automated_email'>): void {
    const record = this.context.record;
    const refusal = !record.email ? 'no_email_address' : record.doNotEmail ? 'do_not_email' : null;
    if (refusal) {
      this.finishStep(node, { status: 'failed', at: this.now, reason: refusal }, refusal);
      this.timeline('email_not_sent', `Email not sent: ${label(node)}`, null, {
        nodeId: node.id,
        reason: refusal,
      });
      return;
    }
    let templateId = node.templateId;
    let variant: string | null = null;
    if (node.abTest) {
      variant = pickVariant(
        node.abTest,
        this.context.connectionId,
        node.id,
        this.context.abWinners?.[node.id],
      );
      this.state.variants[node.id] = variant;
      templateId = node.abTest.variants.find((v) => v.id === variant)?.templateId ?? templateId;
    }
    this.effects.push({
      type: 'queue_email',
      nodeId: node.id,
      templateId,
      variant,
      notBefore: this.now,
      attempt: 1,
      tracking: this.definition.options.trackOpens || this.definition.options.trackClicks,
      scheduleId: node.scheduleId ?? this.definition.options.scheduleId ?? null,
    });
    this.finishStep(node, { status: 'sent', at: this.now }, null);
    this.timeline('email_queued', `Email queued: ${label(node)}`, null, { nodeId: node.id, variant });
  }

  private waitUntil(node: SequenceNode, dueAt: number, isStep: boolean): void {
    this.state.phase = 'waiting';
    this.state.dueAt = dueAt;
    this.effects.push({ type: 'schedule_timer', nodeId: node.id, dueAt });
    if (isStep) this.emitStep(node, 'waiting', { dueAt });
  }

  private waitEnd(wait: { days: number; hours: number }): number {
    if (!this.definition.options.skipNonWorkingDays)
      return calendarWaitEnd(this.now, wait, this.recordZone());
    return workingWaitEnd(this.now, wait, this.workingCalendar());
  }

  private recordZone(): string {
    const s = this.context.scheduling;
    return resolveTimeZone(s.recordTimeZone ?? this.context.record.timeZone, s.sellerTimeZone, s.orgTimeZone);
  }

  private workingCalendar(): WorkingCalendar {
    const s = this.context.scheduling;
    return {
      zone: validZone(s.sellerTimeZone) ?? validZone(s.orgTimeZone) ?? this.recordZone(),
      days: s.workingHours.days,
      from: s.workingHours.from,
      to: s.workingHours.to,
      daysOff: s.workingHours.daysOff,
      holidays: s.holidays,
    };
  }

  /** Records a finished step in the state and writes its step instance. */
  private finishStep(node: SequenceNode, result: StepResult, note: string | null): void {
    this.state.steps[node.id] = result;
    const status = result.status === 'sent' ? 'completed' : result.status;
    this.emitStep(node, status, {
      dueAt: this.state.dueAt ?? this.now,
      note,
      outcome: result.outcome ?? result.reason ?? null,
      completedAt: this.now,
      completedBy: result.by ?? null,
    });
  }

  private emitStep(node: SequenceNode, status: StepWrite['status'], extra: Partial<StepWrite>): void {
    this.effects.push({
      type: 'step',
      step: {
        nodeId: node.id,
        kind: node.kind,
        name: label(node),
        status,
        dueAt: null,
        ownerId: this.state.assignees[node.id] ?? null,
        variant: this.state.variants[node.id] ?? null,
        outcome: null,
        note: null,
        completedAt: null,
        completedBy: null,
        ...extra,
      },
    });
  }

  /** Ends the connection; the open step (if any) is canceled. */
  private end(status: EndStatus, reason: string, actorId: string | null = null): void {
    const current = this.state.nodeId ? this.nodes.get(this.state.nodeId) : undefined;
    const open = this.state.phase === 'due' || this.state.phase === 'waiting';
    if (current && open && !this.state.steps[current.id] && !('yes' in current)) {
      this.state.steps[current.id] = { status: 'canceled', at: this.now, reason };
      this.emitStep(current, 'canceled', { dueAt: this.state.dueAt, outcome: reason, completedAt: this.now });
    }
    this.state.status = status;
    this.state.phase = 'ended';
    this.state.nodeId = null;
    this.state.dueAt = null;
    this.state.blockedReason = null;
    this.state.endReason = reason;
    this.state.endedAt = this.now;
    this.effects.push({ type: 'end', status, reason });
    const summary =
      status === 'completed'
        ? 'Completed the sequence'
        : status === 'failed'
          ? `Failed: ${reason}`
          : `Disconnected from the sequence: ${EXIT_TEXT[reason] ?? reason}`;
    this.timeline(`connection_${status}`, summary, actorId, { reason });
    this.webhook('connection.ended', { status, reason, ...(actorId ? { actorId } : {}) });
  }

  private timeline(
    kind: string,
    summary: string,
    actorId: string | null,
    data: Record<string, unknown>,
  ): void {
    this.effects.push({ type: 'timeline', kind, summary, actorId, data });
  }

  private webhook<E extends EngineWebhookEvent>(event: E, data: EngineWebhookData<E>): void {
    this.effects.push({ type: 'webhook', event, data });
  }
}

/** Timeline wording per end reason (English; the UI shows the entry's kind translated and this summary). */
const EXIT_TEXT: Record<string, string> = {
  replied: 'the record replied',
  bounced: 'the email bounced',
  unsubscribed: 'the record unsubscribed',
  do_not_email: 'the record is marked do not email',
  record_qualified: 'the record is qualified',
  record_disqualified: 'the record is disqualified',
  record_won: 'the record is won',
  record_lost: 'the record is lost',
  sequence_deactivated: 'the sequence was deactivated',
  sequence_deleted: 'the sequence was deleted',
  manual: 'disconnected by hand',
  advanced: 'moved on to another sequence',
};

function isEmailNode(node: SequenceNode): node is NodeOfKind<'email'> | NodeOfKind<'automated_email'> {
  return node.kind === 'email' || node.kind === 'automated_email';
}

function nextOf(node: SequenceNode): string | null {
  return 'next' in node ? node.next : node.no;
}

export function label(node: SequenceNode): string {
  return node.name?.trim() || DEFAULT_STEP_LABELS[node.kind];
}
