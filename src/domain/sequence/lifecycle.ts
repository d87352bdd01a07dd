import { DomainError } from '../errors.ts';
import type { SequenceDefinition } from './definition.ts';
import type { ValidationProblem } from './validate.ts';

/**
 * The sequence lifecycle (SPEC §3) as pure decisions: inactive → active → revision → active, deactivate from
 * active or revision. The repository asks here before it writes; each refusal is a DomainError with a stable code.
 */
export type SequenceStatus = 'inactive' | 'active' | 'revision';

/** At most this many sequences per organisation may be live (active, or active with a revision open). */
export const ACTIVE_SEQUENCE_LIMIT = 250;

/** Statuses in which a version is running and new connections are accepted. */
export function isLive(status: SequenceStatus): boolean {
  return status === 'active' || status === 'revision';
}

/**
 * Whether a sequence has ever run: it has a version (number) once first activated, and keeps it when deactivated
 * (its records carry on). A sequence never activated has no connection, no step and no figures, so pickers of
 * work or results (the work list's sequence filter, Insights) offer only these.
 */
export function hasEverRun(sequence: { version: number | null }): boolean {
  return sequence.version !== null;
}

/** The draft can be saved while inactive or in revision; an active sequence must first be opened for editing. */
export function assertDraftEditable(status: SequenceStatus): void {
  if (status === 'active') {
    throw new DomainError(
      'conflict',
      'sequence_active',
      'The sequence is active. Choose "Edit" to start a new revision, then save your changes.',
    );
  }
}

/** Name and description change only while the sequence is inactive. */
export function assertPropertiesEditable(status: SequenceStatus): void {
  if (status !== 'inactive') {
    throw new DomainError(
      'conflict',
      'sequence_not_inactive',
      'Name and description can be changed only while the sequence is inactive. Deactivate it first.',
    );
  }
}

/** Active → revision: a new draft from the running version. */
export function assertCanStartRevision(status: SequenceStatus): void {
  if (status === 'revision') {
    throw new DomainError(
      'conflict',
      'revision_open',
      'A revision is already open; edit it and activate it.',
    );
  }
  if (status === 'inactive') {
    throw new DomainError('conflict', 'sequence_inactive', 'The sequence is inactive; edit it directly.');
  }
}

export function assertCanDeactivate(status: SequenceStatus): void {
  if (!isLive(status)) {
    throw new DomainError('conflict', 'sequence_inactive', 'The sequence is already inactive.');
  }
}

export interface ActivationInput {
  status: SequenceStatus;
  problems: ValidationProblem[];
  /** Live sequences in the organisation, not counting this one. */
  otherLiveCount: number;
  changeNote: string | null | undefined;
}

/** What activating does; throws when it may not happen. */
export function decideActivation(input: ActivationInput): { changeNote: string | null } {
  if (input.status === 'active') {
    throw new DomainError('conflict', 'sequence_already_active', 'The sequence is already active.');
  }
  if (input.problems.length > 0) {
    throw new DomainError(
      'invalid',
      'validation_failed',
      `The sequence cannot be activated: ${input.problems.length} problem(s) must be fixed first.`,
      input.problems.map((p) => ({
        path: p.nodeId === null ? ['definition'] : ['node', p.nodeId],
        code: p.code,
        message: p.message,
      })),
    );
  }
  const note = input.changeNote?.trim() || null;
  if (input.status === 'revision' && note === null) {
    throw new DomainError(
      'invalid',
      'change_note_required',
      'Describe what changed in this version (a change note is required when activating a revision).',
      [{ path: ['changeNote'], code: 'change_note_required', message: 'Describe what changed' }],
    );
  }
  // A revision is already counted among the live sequences; only an inactive one takes a new slot.
  if (input.status === 'inactive' && input.otherLiveCount >= ACTIVE_SEQUENCE_LIMIT) {
    throw new DomainError(
      'limit',
      'active_limit_reached',
      `Your organisation already has ${ACTIVE_SEQUENCE_LIMIT} active sequences, the most allowed. Deactivate one before activating another.`,
    );
  }
  return { changeNote: note };
}

/**
 * Whether activation needs a new version: not when a deactivated sequence is re-activated unchanged (the last
 * version is reused, so history shows real changes only).
 */
export function needsNewVersion(
  draft: SequenceDefinition,
  latest: SequenceDefinition | null,
  status: SequenceStatus,
): boolean {
  if (latest === null || status === 'revision') return true;
  return canonicalJson(draft) !== canonicalJson(latest);
}

/** JSON with sorted keys, so equal definitions compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      return Object.fromEntries(
        Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
      );
    }
    return inner;
  });
}
