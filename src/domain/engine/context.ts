import type { FieldValue } from '../sequence/definition.ts';
import type { AdvanceTarget } from './advance-target.ts';

/** The record as `advance` sees it. */
export interface RecordSnapshot {
  id: string;
  ownerId: string;
  email: string | null;
  status: string;
  stage: string | null;
  timeZone: string | null;
  doNotEmail: boolean;
  /** Core fields (camelCase: name, firstName, jobTitle, stage, …) and custom fields by machine name. */
  fields: Record<string, FieldValue>;
}

export interface WorkingHours {
  days: number[];
  from: string;
  to: string;
  daysOff: string[];
}

/** Inputs of the scheduling maths. */
export interface SchedulingInputs {
  recordTimeZone: string | null;
  sellerTimeZone: string | null;
  orgTimeZone: string | null;
  workingHours: WorkingHours;
  /** Organisation holidays, local dates `YYYY-MM-DD`. */
  holidays: string[];
}

/** Everything besides definition, state, event and time that `advance` reads. Built by the engine per call. */
export interface AdvanceContext {
  connectionId: string;
  /** The connection's owner (the record owner when connected). */
  ownerId: string;
  record: RecordSnapshot;
  scheduling: SchedulingInputs;
  /** Custom field names defined for the record type: a field condition on an unknown name cannot evaluate. */
  customFieldNames: string[];
  /** For "advance to another sequence": sequence id → its active version, or why the record cannot go there. */
  advanceTargets: Record<string, AdvanceTarget>;
  /** A/B tests that have a winner: node id → variant id (new recipients get the winner). */
  abWinners?: Record<string, string>;
}
