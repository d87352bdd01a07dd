import { evaluateFieldRule } from '../fields/evaluate.ts';
import { moveIntoSendWindow } from '../schedule/send-window.ts';
import { calendarWaitEnd } from '../schedule/wait-end.ts';
import type { NodeOfKind, SequenceNode } from '../sequence/definition.ts';
import { assertNever } from '../sequence/graph.ts';
import { stageMatches } from '../stages.ts';
import type { AdvanceTarget } from './advance-target.ts';
import { label } from './node-text.ts';
import { pickVariant } from './pick-variant.ts';
import { RunRecorder } from './run-recorder.ts';

export type Branch = 'yes' | 'no';

/**
 * Moving through the graph: what each node does on arrival, and following nodes that finish at once (conditions,
 * field updates, elapsed waits) until one has to wait or the connection ends.
 */
export class GraphRun extends RunRecorder {
  /** Enters `nodeId` and keeps going through nodes that finish at once, until one has to wait or the end. */
  protected enter(first: string | null): void {
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
  protected arrive(node: SequenceNode): string | null | undefined {
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

  protected emailConditionMet(node: NodeOfKind<'condition_email'>): boolean {
    const seen = this.state.emailResults[node.inspects] ?? [];
    return node.combine === 'all'
      ? node.results.every((r) => seen.includes(r))
      : node.results.some((r) => seen.includes(r));
  }

  protected branch(node: SequenceNode, branch: Branch): void {
    if (!('yes' in node)) return;
    this.timeline('condition', `${label(node)}: ${branch === 'yes' ? 'Yes' : 'No'}`, null, {
      nodeId: node.id,
      branch,
    });
    this.enter(branch === 'yes' ? node.yes : node.no);
  }
}
