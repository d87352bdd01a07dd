import { type CreateTableBuilder, type Kysely, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

type Table = CreateTableBuilder<string, never>;

/** Every org-scoped table: `org_id` + `id`, primary key leading with `org_id`. */
function orgScoped(db: Kysely<unknown>, name: string): Table {
  return db.schema
    .createTable(name)
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${name}_pk`, ['org_id', 'id'] as never);
}

const time = 'bigint' as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orgs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('settings_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await orgScoped(db, 'business_units')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await orgScoped(db, 'users')
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('business_unit_id', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('time_zone', 'text')
    .addColumn('working_hours_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('preferences_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_bu').on('users').columns(['org_id', 'business_unit_id']).execute();

  await db.schema
    .createTable('role_assignments')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_assignments_pk', ['org_id', 'user_id', 'role'] as never)
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').columns(['org_id', 'user_id']).execute();

  await orgScoped(db, 'api_tokens')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .execute();

  await orgScoped(db, 'record_fields')
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('options_json', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addUniqueConstraint('record_fields_name', ['org_id', 'record_type', 'name'] as never)
    .execute();

  await orgScoped(db, 'records')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('company', 'text')
    .addColumn('job_title', 'text')
    .addColumn('email', 'text')
    .addColumn('phone_business', 'text')
    .addColumn('phone_mobile', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('stage', 'text')
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('business_unit_id', 'text', (c) => c.notNull())
    .addColumn('do_not_email', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('do_not_call', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('custom_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('records_type').on('records').columns(['org_id', 'type', 'status']).execute();
  await db.schema.createIndex('records_owner').on('records').columns(['org_id', 'owner_id']).execute();
  await db.schema.createIndex('records_bu').on('records').columns(['org_id', 'business_unit_id']).execute();
  await db.schema.createIndex('records_email').on('records').columns(['org_id', 'email']).execute();

  await db.schema
    .createTable('record_follows')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('record_follows_pk', ['org_id', 'user_id', 'record_id'] as never)
    .execute();

  await orgScoped(db, 'email_templates')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text')
    .addColumn('record_type', 'text')
    .addColumn('owner_id', 'text')
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await orgScoped(db, 'sequences')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('business_unit_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('inactive'))
    .addColumn('draft_json', 'text', (c) => c.notNull())
    .addColumn('active_version_id', 'text')
    .addColumn('is_template', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addUniqueConstraint('sequences_name', ['org_id', 'business_unit_id', 'name'] as never)
    .execute();
  await db.schema.createIndex('sequences_status').on('sequences').columns(['org_id', 'status']).execute();

  await orgScoped(db, 'sequence_versions')
    .addColumn('sequence_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition_json', 'text', (c) => c.notNull())
    .addColumn('change_note', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addUniqueConstraint('sequence_versions_number', ['org_id', 'sequence_id', 'version'] as never)
    .execute();

  await db.schema
    .createTable('sequence_shares')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('sequence_id', 'text', (c) => c.notNull())
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('principal_type', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('sequence_shares_pk', ['org_id', 'sequence_id', 'principal_id'] as never)
    .execute();

  await orgScoped(db, 'tags')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  // Unique among siblings; COALESCE because NULL parents would otherwise never collide.
  await db.schema
    .createIndex('tags_sibling_name')
    .on('tags')
    .unique()
    .expression(sql`org_id, coalesce(parent_id, ''), lower(name)`)
    .execute();

  await db.schema
    .createTable('sequence_tags')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('sequence_id', 'text', (c) => c.notNull())
    .addColumn('tag_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sequence_tags_pk', ['org_id', 'sequence_id', 'tag_id'] as never)
    .execute();

  await orgScoped(db, 'segments')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('rule_json', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('sequence_id', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await orgScoped(db, 'connections')
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('sequence_id', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('state_json', 'text', (c) => c.notNull())
    .addColumn('current_node_id', 'text')
    .addColumn('reason', 'text')
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('connected_by', 'text', (c) => c.notNull())
    .addColumn('connected_at', time, (c) => c.notNull())
    .addColumn('ended_at', time)
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  // At most one live connection per record: a constraint, not an `if`.
  await db.schema
    .createIndex('connections_one_live_per_record')
    .on('connections')
    .columns(['org_id', 'record_id'])
    .unique()
    .where(sql.ref('status'), 'in', sql`('active', 'paused')`)
    .execute();
  await db.schema
    .createIndex('connections_record')
    .on('connections')
    .columns(['org_id', 'record_id'])
    .execute();
  await db.schema
    .createIndex('connections_sequence')
    .on('connections')
    .columns(['org_id', 'sequence_id', 'status'])
    .execute();

  await orgScoped(db, 'step_instances')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('sequence_id', 'text', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('due_at', time)
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('outcome', 'text')
    .addColumn('note', 'text')
    .addColumn('variant', 'text')
    .addColumn('completed_at', time)
    .addColumn('completed_by', 'text')
    .addColumn('read_at', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    // Graphs have no cycles, so a connection visits a node at most once.
    .addUniqueConstraint('step_instances_once', ['org_id', 'connection_id', 'node_id'] as never)
    .execute();
  await db.schema
    .createIndex('step_instances_worklist')
    .on('step_instances')
    .columns(['org_id', 'owner_id', 'status', 'due_at'])
    .execute();
  await db.schema
    .createIndex('step_instances_record')
    .on('step_instances')
    .columns(['org_id', 'record_id'])
    .execute();

  await orgScoped(db, 'scheduled_tasks')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('due_at', time, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addUniqueConstraint('scheduled_tasks_once', ['org_id', 'idempotency_key'] as never)
    .execute();
  // Workers look across organisations for due work, so this index does not lead with org_id.
  await db.schema
    .createIndex('scheduled_tasks_due')
    .on('scheduled_tasks')
    .columns(['status', 'due_at'])
    .execute();
  await db.schema
    .createIndex('scheduled_tasks_connection')
    .on('scheduled_tasks')
    .columns(['org_id', 'connection_id', 'status'])
    .execute();

  await orgScoped(db, 'outbound_messages')
    .addColumn('connection_id', 'text')
    .addColumn('step_instance_id', 'text')
    .addColumn('record_id', 'text')
    .addColumn('sender_user_id', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('hold_reason', 'text')
    .addColumn('template_id', 'text')
    .addColumn('variant', 'text')
    .addColumn('tracking', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('not_before', time, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', time)
    .addColumn('sent_at', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addUniqueConstraint('outbound_messages_once', ['org_id', 'idempotency_key'] as never)
    .execute();
  await db.schema
    .createIndex('outbound_messages_due')
    .on('outbound_messages')
    .columns(['status', 'not_before'])
    .execute();
  await db.schema
    .createIndex('outbound_messages_sender')
    .on('outbound_messages')
    .columns(['org_id', 'sender_user_id', 'sent_at'])
    .execute();
  await db.schema
    .createIndex('outbound_messages_record')
    .on('outbound_messages')
    .columns(['org_id', 'record_id'])
    .execute();

  await orgScoped(db, 'engagement_events')
    .addColumn('outbound_message_id', 'text')
    .addColumn('connection_id', 'text')
    .addColumn('record_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('machine', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('data_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('occurred_at', time, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addUniqueConstraint('engagement_events_once', ['org_id', 'dedupe_key'] as never)
    .execute();
  await db.schema
    .createIndex('engagement_events_message')
    .on('engagement_events')
    .columns(['org_id', 'outbound_message_id'])
    .execute();

  await orgScoped(db, 'timeline_events')
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('data_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('occurred_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('timeline_events_record')
    .on('timeline_events')
    .columns(['org_id', 'record_id', 'occurred_at'])
    .execute();

  await orgScoped(db, 'audit_log')
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text')
    .addColumn('before_json', 'text')
    .addColumn('after_json', 'text')
    .addColumn('at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').columns(['org_id', 'at']).execute();

  await orgScoped(db, 'mailboxes')
    .addColumn('user_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_name', 'text')
    .addColumn('from_address', 'text')
    .addColumn('smtp_host', 'text')
    .addColumn('smtp_port', 'integer')
    .addColumn('smtp_secure', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('smtp_user', 'text')
    .addColumn('smtp_secret_enc', 'text')
    .addColumn('daily_limit', 'integer')
    .addColumn('hourly_limit', 'integer')
    .addColumn('min_spacing_seconds', 'integer')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await orgScoped(db, 'webhooks')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('events_json', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await orgScoped(db, 'webhook_deliveries')
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', time, (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addUniqueConstraint('webhook_deliveries_once', ['org_id', 'webhook_id', 'idempotency_key'] as never)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();

  await orgScoped(db, 'bulk_jobs')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('params_json', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('succeeded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('result_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('bulk_jobs_status').on('bulk_jobs').columns(['status']).execute();
}

export async function down(): Promise<void> {
  throw new Error('The initial migration cannot be rolled back; restore from a backup instead.');
}
