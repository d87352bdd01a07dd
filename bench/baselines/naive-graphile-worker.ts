import { Logger, run, type Task } from 'graphile-worker';
import type pg from 'pg';
import { advance } from '../../src/domain/engine/advance.ts';
import type { AdvanceContext, WorkingHours } from '../../src/domain/engine/context.ts';
import type { Effect } from '../../src/domain/engine/effects.ts';
import type { EngineEvent } from '../../src/domain/engine/events.ts';
import { parseState, serializeState } from '../../src/domain/engine/state.ts';
import { DEFAULT_WORKING_HOURS } from '../../src/domain/schedule/working-calendar.ts';
import { type SequenceDefinition, SequenceDefinitionSchema } from '../../src/domain/sequence/definition.ts';
import { newId } from '../../src/store/ids.ts';

/**
 * The naive baseline's worker process (`node --import tsx naive-graphile-worker.ts`): what a team would build
 * instead of Stepwise on graphile-worker. One job per due step: lock and load the connection, its record, the
 * seller, the organisation and the sequence version with plain SQL, run the domain's `advance`, write the same
 * rows our engine writes (connection state, step instances, outbound message, record field, timeline) one
 * statement per row, and `add_job` the next step with its `run_at`, all in the job's transaction.
 *
 * SQL outside src/store on purpose: this is the competitor's code, written the obvious way with `pg`, not ours
 * (test/architecture/sql-in-store.test.ts looks for our query builder, which this file does not use).
 */
const env = process.env;
const connectionString = env.DATABASE_URL ?? '';
/** The fake time our workers run at (STEPWISE_FAKE_NOW); `run_at` of the next job is mapped onto real time. */
const fakeNow = Number(env.BENCH_NOW);
const concurrency = Number(env.BENCH_CONCURRENCY ?? 24);
export const NAIVE_TASK = 'sequence_step';

export interface NaivePayload {
  orgId: string;
  connectionId: string;
  event: EngineEvent;
}

/** Versions never change once published: cached, as any team would. */
const definitions = new Map<string, SequenceDefinition>();

const CUSTOM_ONLY = new Set(['stage', 'status', 'company', 'job_title', 'name', 'first_name', 'last_name']);

async function step(client: pg.PoolClient, payload: NaivePayload): Promise<void> {
  const { orgId, connectionId, event } = payload;
  const now = fakeNow;
  const one = async (text: string, values: unknown[]) => (await client.query(text, values)).rows[0];
  const connection = await one(
    'select record_id, sequence_id, version_id, status, state_json, owner_id from connections where org_id = $1 and id = $2 for update',
    [orgId, connectionId],
  );
  if (connection?.status !== 'active') return;
  const record = await one('select * from records where org_id = $1 and id = $2', [
    orgId,
    connection.record_id,
  ]);
  if (!record) throw new Error(`record ${connection.record_id} not found`);
  let definition = definitions.get(connection.version_id);
  if (!definition) {
    const version = await one('select definition_json from sequence_versions where org_id = $1 and id = $2', [
      orgId,
      connection.version_id,
    ]);
    definition = SequenceDefinitionSchema.parse(JSON.parse(version.definition_json));
    definitions.set(connection.version_id, definition);
  }
  const seller = await one('select time_zone, working_hours_json from users where org_id = $1 and id = $2', [
    orgId,
    record.owner_id,
  ]);
  const org = JSON.parse((await one('select settings_json from orgs where id = $1', [orgId])).settings_json);
  const customFields = await client.query(
    'select name from record_fields where org_id = $1 and record_type = $2',
    [orgId, record.type],
  );
  const custom = JSON.parse(record.custom_json ?? '{}');
  const hours = JSON.parse(seller?.working_hours_json ?? '{}');
  const workingHours: WorkingHours = Array.isArray(hours.days)
    ? { days: hours.days, from: hours.from, to: hours.to, daysOff: hours.daysOff ?? [] }
    : { ...DEFAULT_WORKING_HOURS, days: [...DEFAULT_WORKING_HOURS.days], daysOff: [] };
  const context: AdvanceContext = {
    connectionId,
    ownerId: connection.owner_id,
    record: {
      id: record.id,
      ownerId: record.owner_id,
      email: record.email,
      status: record.status,
      stage: record.stage,
      timeZone: record.time_zone,
      doNotEmail: record.do_not_email === 1,
      fields: { ...custom, firstName: record.first_name, lastName: record.last_name, name: record.name },
    },
    scheduling: {
      recordTimeZone: record.time_zone,
      sellerTimeZone: seller?.time_zone ?? null,
      orgTimeZone: org.timeZone ?? null,
      workingHours,
      holidays: [],
    },
    customFieldNames: customFields.rows.map((r) => r.name),
    advanceTargets: {},
  };
  const before = parseState(connection.state_json);
  const { state, effects } = advance(definition, before, event, now, context);
  if (state === before) return;
  await client.query(
    'update connections set status = $3, state_json = $4, current_node_id = $5, reason = $6, ended_at = $7, updated_at = $8 where org_id = $1 and id = $2',
    [
      orgId,
      connectionId,
      state.status === 'active' ? connection.status : state.status,
      serializeState(state),
      state.nodeId,
      state.status === 'active' ? null : state.endReason,
      state.status === 'active' ? null : (state.endedAt ?? now),
      now,
    ],
  );
  const stepIds = new Map<string, string>();
  for (const effect of effects)
    await write(client, effect, { orgId, connectionId, connection, record, event, stepIds, custom, now });
}

interface WriteContext {
  orgId: string;
  connectionId: string;
  connection: { record_id: string; sequence_id: string; owner_id: string };
  record: { id: string; owner_id: string; email: string | null };
  event: EngineEvent;
  stepIds: Map<string, string>;
  custom: Record<string, unknown>;
  now: number;
}

async function write(client: pg.PoolClient, effect: Effect, w: WriteContext): Promise<void> {
  const { orgId, connectionId, connection, record, now } = w;
  switch (effect.type) {
    case 'step': {
      const s = effect.step;
      const { rows } = await client.query(
        `insert into step_instances (org_id, id, connection_id, record_id, sequence_id, node_id, kind, name, status, owner_id, due_at, priority, outcome, note, variant, completed_at, completed_by, read_at, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, $14, $15, $16, null, $17, $17)
         on conflict (org_id, connection_id, node_id) do update set status = excluded.status, owner_id = excluded.owner_id,
           due_at = excluded.due_at, outcome = excluded.outcome, note = excluded.note, variant = excluded.variant,
           completed_at = excluded.completed_at, completed_by = excluded.completed_by, updated_at = excluded.updated_at
         returning id`,
        [
          orgId,
          newId(now),
          connectionId,
          connection.record_id,
          connection.sequence_id,
          s.nodeId,
          s.kind,
          s.name,
          s.status,
          s.ownerId ?? connection.owner_id,
          s.dueAt,
          s.outcome,
          s.note,
          s.variant,
          s.completedAt,
          s.completedBy,
          now,
        ],
      );
      w.stepIds.set(s.nodeId, rows[0].id);
      return;
    }
    case 'schedule_timer': {
      const next: NaivePayload = {
        orgId,
        connectionId,
        event: { id: `timer:${connectionId}:${effect.nodeId}`, type: 'timer', nodeId: effect.nodeId },
      };
      await client.query('select graphile_worker.add_job($1, $2::json, run_at := $3, job_key := $4)', [
        NAIVE_TASK,
        JSON.stringify(next),
        new Date(Date.now() + (effect.dueAt - now)),
        next.event.id,
      ]);
      return;
    }
    case 'queue_email':
      await client.query(
        `insert into outbound_messages (org_id, id, connection_id, step_instance_id, record_id, sender_user_id, to_address, subject, body_html, body_text, message_id, idempotency_key, status, template_id, variant, tracking, not_before, attempts, schedule_id, created_at, updated_at, content_kind)
         values ($1, $2, $3, $4, $5, $6, $7, '', '', '', $8, $9, 'queued', $10, $11, $12, $13, 0, 'default', $14, $14, 'template')
         on conflict (org_id, idempotency_key) do nothing`,
        [
          orgId,
          newId(now),
          connectionId,
          w.stepIds.get(effect.nodeId) ?? null,
          record.id,
          record.owner_id,
          record.email ?? '',
          `<${connectionId}.${effect.nodeId}.${effect.attempt}@naive.local>`,
          `${connectionId}:${effect.nodeId}:${effect.attempt}`,
          effect.templateId,
          effect.variant,
          effect.tracking ? 1 : 0,
          effect.notBefore,
          now,
        ],
      );
      return;
    case 'set_field':
      if (CUSTOM_ONLY.has(effect.field)) throw new Error('core fields are not in the benchmark sequence');
      w.custom[effect.field] = effect.value;
      await client.query(
        'update records set custom_json = $3, updated_at = $4 where org_id = $1 and id = $2',
        [orgId, record.id, JSON.stringify(w.custom), now],
      );
      return;
    case 'timeline':
      await client.query(
        `insert into timeline_events (org_id, id, record_id, connection_id, kind, actor_id, summary, data_json, occurred_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          orgId,
          newId(now),
          record.id,
          connectionId,
          effect.kind,
          effect.actorId,
          effect.summary,
          JSON.stringify({ ...effect.data, sequenceId: connection.sequence_id }),
          now,
        ],
      );
      return;
    case 'webhook':
      // No webhook is subscribed in the benchmark; looking subscriptions up is left out (in the baseline's favour).
      return;
    case 'end':
      // The connection's status was written with its state.
      return;
    case 'connect_sequence':
      throw new Error('"advance to another sequence" is not in the benchmark sequence');
  }
}

const task: Task = async (payload, helpers) => {
  await helpers.withPgClient(async (client) => {
    await client.query('begin');
    try {
      await step(client, payload as NaivePayload);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  });
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const logger = new Logger(() => (level, message) => {
    if (level === 'error') console.error(message);
  });
  // The settings of graphile-worker's performance page, as for the no-op baseline: its fastest documented setup.
  const runner = await run({
    connectionString,
    concurrency,
    maxPoolSize: concurrency + 1,
    pollInterval: 20,
    logger,
    taskList: { [NAIVE_TASK]: task },
    preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
  console.log('naive worker ready');
  await runner.promise;
}
