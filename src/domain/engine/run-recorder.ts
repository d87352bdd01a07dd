import { resolveTimeZone, validZone } from '../schedule/time-zone.ts';
import { calendarWaitEnd, workingWaitEnd } from '../schedule/wait-end.ts';
import type { WorkingCalendar } from '../schedule/working-calendar.ts';
import type { FieldValue, NodeOfKind, SequenceDefinition, SequenceNode } from '../sequence/definition.ts';
import { nodeIndex } from '../sequence/graph.ts';
import type { EngineWebhookData, EngineWebhookEvent } from '../webhooks/events.ts';
import type { AdvanceContext } from './context.ts';
import type { Effect, EndStatus, StepWrite } from './effects.ts';
import { EXIT_TEXT, label } from './node-text.ts';
import { pickVariant } from './pick-variant.ts';
import type { ConnectionState, StepResult } from './state.ts';

/**
 * The bookkeeping half of one `advance` call: the state being changed and the effects it produces (step rows,
 * emails, timers, the end, timeline entries, webhooks), plus the time arithmetic those need. It decides nothing
 * about where to go next; `GraphRun` (moving through nodes) and `advance` (reacting to events) build on it.
 */
export class RunRecorder {
  readonly effects: Effect[] = [];
  protected readonly nodes: Map<string, SequenceNode>;
  protected readonly fields: Record<string, FieldValue>;

  constructor(
    protected readonly definition: SequenceDefinition,
    readonly state: ConnectionState,
    protected readonly now: number,
    protected readonly context: AdvanceContext,
  ) {
    this.nodes = nodeIndex(definition);
    this.fields = { ...context.record.fields };
  }

  protected sendEmail(node: NodeOfKind<'automated_email'>): void {
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

  protected waitUntil(node: SequenceNode, dueAt: number, isStep: boolean): void {
    this.state.phase = 'waiting';
    this.state.dueAt = dueAt;
    this.effects.push({ type: 'schedule_timer', nodeId: node.id, dueAt });
    if (isStep) this.emitStep(node, 'waiting', { dueAt });
  }

  protected waitEnd(wait: { days: number; hours: number }): number {
    if (!this.definition.options.skipNonWorkingDays)
      return calendarWaitEnd(this.now, wait, this.recordZone());
    return workingWaitEnd(this.now, wait, this.workingCalendar());
  }

  protected recordZone(): string {
    const s = this.context.scheduling;
    return resolveTimeZone(s.recordTimeZone ?? this.context.record.timeZone, s.sellerTimeZone, s.orgTimeZone);
  }

  protected workingCalendar(): WorkingCalendar {
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
  protected finishStep(node: SequenceNode, result: StepResult, note: string | null): void {
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

  protected emitStep(node: SequenceNode, status: StepWrite['status'], extra: Partial<StepWrite>): void {
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
  protected end(status: EndStatus, reason: string, actorId: string | null = null): void {
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

  protected timeline(
    kind: string,
    summary: string,
    actorId: string | null,
    data: Record<string, unknown>,
  ): void {
    this.effects.push({ type: 'timeline', kind, summary, actorId, data });
  }

  protected webhook<E extends EngineWebhookEvent>(event: E, data: EngineWebhookData<E>): void {
    this.effects.push({ type: 'webhook', event, data });
  }
}
