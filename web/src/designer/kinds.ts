import type { NodeKind } from '../../../src/domain/sequence/definition.ts';
import type { NodeGroup } from '../../../src/domain/sequence/graph.ts';

/** The add panel's four groups, in the order Dynamics 365 shows them. */
export const ADD_GROUPS: { group: NodeGroup; kinds: NodeKind[] }[] = [
  { group: 'steps', kinds: ['email', 'automated_email', 'phone_call', 'task', 'text_message', 'wait'] },
  { group: 'conditions', kinds: ['condition_email', 'condition_call', 'condition_field', 'condition_stage'] },
  { group: 'commands', kinds: ['update_field', 'advance_sequence'] },
  {
    group: 'linkedin',
    kinds: ['linkedin_research', 'linkedin_introduction', 'linkedin_connect', 'linkedin_inmail'],
  },
];

/** A glyph per kind (decorative; every node also carries its kind's name in text). */
export const KIND_ICONS: Record<NodeKind, string> = {
  email: '✉',
  automated_email: '⚡',
  phone_call: '☎',
  task: '☑',
  text_message: '✍',
  wait: '◷',
  condition_email: '◆',
  condition_call: '◆',
  condition_field: '◆',
  condition_stage: '◆',
  update_field: '✎',
  advance_sequence: '⇥',
  linkedin_research: 'in',
  linkedin_introduction: 'in',
  linkedin_connect: 'in',
  linkedin_inmail: 'in',
};
