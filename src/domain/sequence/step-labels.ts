import type { SequenceNode } from './definition.ts';

/**
 * The name the engine gives a step instance whose node has no name. People never read these: the UI shows the
 * step kind's translated label for an unnamed step (see `isUnnamedStep`).
 */
export const DEFAULT_STEP_LABELS: Record<SequenceNode['kind'], string> = {
  email: 'Send an email',
  automated_email: 'Send an automated email',
  phone_call: 'Make a phone call',
  task: 'Complete a task',
  text_message: 'Send a text message',
  wait: 'Wait',
  condition_email: 'Email condition',
  condition_call: 'Call condition',
  condition_field: 'Field condition',
  condition_stage: 'Stage condition',
  update_field: 'Update field',
  advance_sequence: 'Advance to another sequence',
  linkedin_research: 'LinkedIn: research the profile',
  linkedin_introduction: 'LinkedIn: get introduced',
  linkedin_connect: 'LinkedIn: connect',
  linkedin_inmail: 'LinkedIn: send InMail',
};

/** A step name that is really no name: empty, the kind's code (`text_message`) or the engine's default label. */
export function isUnnamedStep(name: string | null | undefined, kind: string): boolean {
  const trimmed = name?.trim() ?? '';
  if (trimmed === '' || trimmed === kind) return true;
  return (DEFAULT_STEP_LABELS as Record<string, string>)[kind] === trimmed;
}
