import type { CallOutcome, EmailResult } from '../sequence/definition.ts';

/**
 * A connection's position in its sequence: everything `advance` needs besides the definition and the record.
 * Serialised as JSON into `connections.state_json`; `version` lets a later release migrate old states.
 */
export interface ConnectionState {
  version: 1;
  status: 'active' | 'completed' | 'disconnected' | 'failed';
  /** The node the connection is on; null before the start and after the end. */
  nodeId: string | null;
  /**
   * What it is doing there: `due` (a manual step waits for the seller), `waiting` (a timer will fire at
   * `dueAt`: a wait, a send window, a condition's time limit), `cannot_evaluate` (a field condition names a
   * field that does not exist; `blockedReason` says which), `ended`, or `new` before the start.
   */
  phase: 'new' | 'due' | 'waiting' | 'cannot_evaluate' | 'ended';
  enteredAt: number | null;
  dueAt: number | null;
  blockedReason: string | null;
  endReason: string | null;
  endedAt: number | null;
  /** Node ids in the order they were entered. */
  visited: string[];
  /** What happened at each step node that has finished. */
  steps: Record<string, StepResult>;
  /** Engagement seen per email step (deduplicated). */
  emailResults: Record<string, EmailResult[]>;
  /** A/B variant chosen per email node. */
  variants: Record<string, string>;
  /** Steps handed to another seller: node id → user id. */
  assignees: Record<string, string>;
  /** The most recent event ids applied (a bounded window; older duplicates are harmless by construction). */
  seen: string[];
}

export interface StepResult {
  status: 'completed' | 'sent' | 'skipped' | 'canceled' | 'failed';
  at: number;
  outcome?: CallOutcome;
  by?: string;
  reason?: string;
}

export const SEEN_EVENT_WINDOW = 100;

export function initialState(): ConnectionState {
  return {
    version: 1,
    status: 'active',
    nodeId: null,
    phase: 'new',
    enteredAt: null,
    dueAt: null,
    blockedReason: null,
    endReason: null,
    endedAt: null,
    visited: [],
    steps: {},
    emailResults: {},
    variants: {},
    assignees: {},
    seen: [],
  };
}

export function isEnded(state: ConnectionState): boolean {
  return state.status !== 'active';
}

export function serializeState(state: ConnectionState): string {
  return JSON.stringify(state);
}

/** Reads a stored state; anything unreadable becomes a fresh state rather than a crash. */
export function parseState(json: string): ConnectionState {
  try {
    const parsed = JSON.parse(json) as Partial<ConnectionState> | null;
    if (parsed?.version !== 1) return initialState();
    return { ...initialState(), ...parsed };
  } catch {
    return initialState();
  }
}
