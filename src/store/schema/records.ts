import type { Flag, RecordStatus, RecordType } from '../schema.ts';

/** Row types (see ../schema.ts): CRM records and their fields, follows, tags, segments, bulk jobs and imports, webhooks. */

export interface RecordFieldsTable {
  org_id: string;
  id: string;
  record_type: RecordType;
  /** Machine name used in conditions and templates, e.g. `leadStage`. */
  name: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'boolean' | 'option_set' | 'two_options';
  /** For option sets and two-options: [{ value, label }]. */
  options_json: string | null;
  created_at: number;
}

export interface RecordsTable {
  org_id: string;
  id: string;
  type: RecordType;
  name: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  job_title: string | null;
  email: string | null;
  phone_business: string | null;
  phone_mobile: string | null;
  time_zone: string | null;
  status: RecordStatus;
  stage: string | null;
  owner_id: string;
  business_unit_id: string;
  do_not_email: Flag;
  do_not_call: Flag;
  /** Custom field values keyed by field name. */
  custom_json: string;
  created_at: number;
  updated_at: number;
}

export interface RecordFollowsTable {
  org_id: string;
  user_id: string;
  record_id: string;
  created_at: number;
}

export interface TagsTable {
  org_id: string;
  id: string;
  name: string;
  parent_id: string | null;
  created_at: number;
}

export interface SegmentsTable {
  org_id: string;
  id: string;
  name: string;
  record_type: RecordType;
  /** FieldConditionGroup JSON. */
  rule_json: string;
  priority: number;
  sequence_id: string;
  enabled: Flag;
  owner_id: string;
  created_at: number;
  updated_at: number;
}

/** Long-running background work started by a request (bulk connect of 100,000 records, imports). */
export interface BulkJobsTable {
  org_id: string;
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  params_json: string;
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  result_json: string;
  created_by: string;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

/** An uploaded CSV file, kept for its import job (migration 0012). */
export interface ImportFilesTable {
  org_id: string;
  job_id: string;
  /** sha256 of the uploader, the record type and the file's bytes: the same upload twice is the same job. */
  file_hash: string;
  record_type: RecordType;
  csv: string;
  created_at: number;
}

export interface WebhooksTable {
  org_id: string;
  id: string;
  url: string;
  secret: string;
  events_json: string;
  enabled: Flag;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  org_id: string;
  id: string;
  webhook_id: string;
  event: string;
  payload_json: string;
  idempotency_key: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  response_status: number | null;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}
