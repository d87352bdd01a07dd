import type {
  ConnectionStatus,
  Flag,
  RecordType,
  SequenceStatus,
  StepStatus,
  TaskStatus,
} from '../schema.ts';

/** Row types (see ../schema.ts): templates, sequences and their versions, connections, step instances, scheduled tasks and schedules, the timeline. */

export interface EmailTemplatesTable {
  org_id: string;
  id: string;
  name: string;
  language: string;
  subject: string;
  body_html: string;
  body_text: string | null;
  record_type: RecordType | null;
  owner_id: string | null;
  builtin: Flag;
  created_at: number;
  updated_at: number;
}

/** A tag on an email template (migration 0022). */
export interface EmailTemplateTagsTable {
  org_id: string;
  template_id: string;
  tag: string;
}

export interface SequencesTable {
  org_id: string;
  id: string;
  name: string;
  description: string;
  record_type: RecordType;
  owner_id: string;
  business_unit_id: string;
  status: SequenceStatus;
  /** Working copy being edited (inactive or revision); SequenceDefinition JSON. */
  draft_json: string;
  /** The version new connections get; null until first activation. */
  active_version_id: string | null;
  /** Saved by a user as a template for new sequences. */
  is_template: Flag;
  created_at: number;
  updated_at: number;
}

export interface SequenceVersionsTable {
  org_id: string;
  id: string;
  sequence_id: string;
  version: number;
  /** Immutable SequenceDefinition JSON. */
  definition_json: string;
  change_note: string | null;
  created_by: string;
  created_at: number;
}

export interface SequenceSharesTable {
  org_id: string;
  sequence_id: string;
  /** A user id or a business unit id (team). */
  principal_id: string;
  principal_type: 'user' | 'business_unit';
  created_at: number;
}

export interface SequenceTagsTable {
  org_id: string;
  sequence_id: string;
  tag_id: string;
}

export interface ConnectionsTable {
  org_id: string;
  id: string;
  record_id: string;
  sequence_id: string;
  version_id: string;
  status: ConnectionStatus;
  /** ConnectionState JSON owned by domain `advance`. */
  state_json: string;
  current_node_id: string | null;
  /** Why it ended: e.g. `record_qualified`, `replied`, `manual`, `advanced`, `bounced`. */
  reason: string | null;
  owner_id: string;
  connected_by: string;
  connected_at: number;
  ended_at: number | null;
  updated_at: number;
}

export interface StepInstancesTable {
  org_id: string;
  id: string;
  connection_id: string;
  record_id: string;
  sequence_id: string;
  node_id: string;
  kind: string;
  name: string;
  status: StepStatus;
  owner_id: string;
  due_at: number | null;
  priority: number;
  outcome: string | null;
  note: string | null;
  variant: string | null;
  completed_at: number | null;
  completed_by: string | null;
  read_at: number | null;
  created_at: number;
  updated_at: number;
}

/** The engine's durable queue: every wake-up (wait ends, step due, time limit, event to apply) is a row. */
export interface ScheduledTasksTable {
  org_id: string;
  id: string;
  connection_id: string;
  kind: string;
  /** Task payload JSON (e.g. the event to apply). */
  payload_json: string;
  /** Unique: repeating the same scheduling decision cannot create a second row. */
  idempotency_key: string;
  due_at: number;
  status: TaskStatus;
  attempts: number;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

export interface SchedulesTable {
  org_id: string;
  id: string;
  name: string;
  /** 1 for the organisation's default schedule (at most one: partial unique index). */
  is_default: Flag;
  zone_mode: 'recipient' | 'seller' | 'fixed';
  /** The zone of a `fixed` schedule. */
  zone: string | null;
  /** Interval[] JSON: [{ day: 1..7, from: "09:00", to: "17:00" }]. */
  intervals_json: string;
  /** HolidayCalendar JSON: { dates: ["2026-12-24"], country: "US" | null, region: "NY" | null }. */
  holidays_json: string;
  created_at: number;
  updated_at: number;
}

export interface TimelineEventsTable {
  org_id: string;
  id: string;
  record_id: string;
  connection_id: string | null;
  kind: string;
  actor_id: string | null;
  summary: string;
  data_json: string;
  occurred_at: number;
}

/** The decided variant of an A/B-tested email step (migration 0015). */
export interface AbWinnersTable {
  org_id: string;
  version_id: string;
  node_id: string;
  sequence_id: string;
  variant: string;
  metric: string;
  /** null: decided automatically by the end rule; else the user who chose it. */
  decided_by: string | null;
  /** The per-variant figures and the test result at the decision. */
  data_json: string;
  decided_at: number;
}

/** One batch a worker claimed inside its batch transaction (migration 0025, issue 17); deleted by its commit. */
export interface EngineClaimsTable {
  id: string;
  owner: string;
  /** JSON `[[org_id, task_id], …]` of the batch's tasks. */
  task_keys: string;
  created_at: number;
  /** Set when a batch that never committed had its attempt counted. */
  folded_at: number | null;
}
