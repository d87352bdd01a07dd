import type { NodeKind, SequenceNode } from './definition.ts';

const KIND_LABELS: Record<NodeKind, string> = {
  email: 'email',
  automated_email: 'automated email',
  phone_call: 'phone call',
  task: 'task',
  text_message: 'text message',
  wait: 'wait',
  condition_email: 'email condition',
  condition_call: 'call condition',
  condition_field: 'field condition',
  condition_stage: 'stage condition',
  update_field: 'update field',
  advance_sequence: 'advance to another sequence',
  linkedin_research: 'LinkedIn research',
  linkedin_introduction: 'LinkedIn introduction',
  linkedin_connect: 'LinkedIn connect',
  linkedin_inmail: 'LinkedIn InMail',
};

/** How a seller recognises a node in a message: its name, else its kind. */
export function describeNode(node: SequenceNode): string {
  const name = node.name?.trim();
  return name ? `"${name}"` : `The ${KIND_LABELS[node.kind]} step`;
}

export function kindLabel(kind: NodeKind): string {
  return KIND_LABELS[kind];
}
