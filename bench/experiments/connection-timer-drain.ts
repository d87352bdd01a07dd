import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Transitions each claimed connection of scenario 2 makes in one batch: automated email, update field, wait. */
const TRANSITIONS_PER_CONNECTION = 3;
const BATCH_SIZE = 500;
const BATCHES_IN_FLIGHT = 3;
const TWO_DAYS = 2 * 86_400_000;

interface ClaimedRow {
  org_id: string;
  id: string;
  record_id: string;
  sequence_id: string;
  owner_id: string;
  state_json: string;
  custom_json: string;
  email: string | null;
}

/** Column arrays for one multi-row `INSERT … SELECT unnest(…)`, in the order of the statement's columns. */
type Columns = (string | number)[][];
const columns = (count: number): Columns => Array.from({ length: count }, () => []);
function push(target: Columns, ...row: (string | number)[]): void {
  for (const [index, value] of row.entries()) target[index]?.push(value);
}

/**
 * Not timed: each connection's pending timer moves onto its row (`next_due_at`, partial index), the task rows go,
 * and the server is settled. Plain SQL like the baselines: this is another engine's layout, not our store's.
 */
export async function moveTimersOntoConnections(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  for (const statement of [
    'ALTER TABLE connections ADD COLUMN next_due_at bigint',
    `UPDATE connections c SET next_due_at = t.due_at FROM scheduled_tasks t
      WHERE t.connection_id = c.id AND t.status = 'pending'`,
    'CREATE INDEX connections_next_due ON connections (next_due_at) WHERE next_due_at IS NOT NULL',
    'DELETE FROM scheduled_tasks',
    'VACUUM FULL connections',
    'VACUUM (ANALYZE)',
    'CHECKPOINT',
  ]) {
    await client.query(statement);
  }
  await client.end();
}

/**
 * Drains every due connection with plain SQL (see connection-timer-ceiling.ts for what is and is not written)
 * and returns how many transitions that made and how fast.
 */
export async function drainByConnectionTimers(
  connectionString: string,
  now: number,
  history: 'full' | 'none',
): Promise<{ transitions: number; transitionsPerSecond: number }> {
  const clients = await Promise.all(
    Array.from({ length: BATCHES_IN_FLIGHT }, async () => {
      const client = new pg.Client({ connectionString });
      await client.connect();
      return client;
    }),
  );
  let transitions = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (;;) {
        const claimed = await runBatch(client, now, history);
        if (claimed === 0) return;
        transitions += claimed * TRANSITIONS_PER_CONNECTION;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((client) => client.end()));
  return { transitions, transitionsPerSecond: Math.round(transitions / seconds) };
}

async function runBatch(client: pg.Client, now: number, history: 'full' | 'none'): Promise<number> {
  await client.query('BEGIN');
  const { rows } = await client.query<ClaimedRow>(
    `SELECT c.org_id, c.id, c.record_id, c.sequence_id, c.owner_id, c.state_json, r.custom_json, r.email
       FROM connections c JOIN records r ON r.org_id = c.org_id AND r.id = c.record_id
      WHERE c.id IN (SELECT id FROM connections WHERE next_due_at <= $1
                     ORDER BY next_due_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [now, BATCH_SIZE],
  );
  const orgId = rows[0]?.org_id;
  if (orgId === undefined) {
    await client.query('COMMIT');
    return 0;
  }
  const connections = columns(3);
  const records = columns(2);
  const messages = columns(7);
  const steps = columns(9);
  const timeline = columns(3);
  for (const row of rows) {
    // What `advance` would leave: the next wait entered, three nodes passed.
    const state = JSON.parse(row.state_json) as Record<string, unknown>;
    const passed = Array.isArray(state.passed) ? state.passed : [];
    const next = { ...state, node: 'w3', passed: [...passed, 'w0', 'e1', 'u2'], waitUntil: now + TWO_DAYS };
    push(connections, row.id, JSON.stringify(next), now + TWO_DAYS);
    const custom = JSON.parse(row.custom_json) as Record<string, unknown>;
    push(records, row.record_id, JSON.stringify({ ...custom, leadStage: 'contacted' }));
    const messageId = randomUUID();
    push(
      messages,
      messageId,
      row.id,
      row.record_id,
      row.owner_id,
      row.email ?? '',
      `${row.id}:e1:1`,
      `<${messageId}@x>`,
    );
    if (history === 'full') {
      for (const [node, kind, status] of [
        ['e1', 'automated_email', 'done'],
        ['u2', 'update_field', 'done'],
        ['w3', 'wait', 'open'],
      ] as const) {
        push(
          steps,
          randomUUID(),
          row.id,
          row.record_id,
          row.sequence_id,
          node,
          kind,
          status,
          row.owner_id,
          now,
        );
      }
      push(timeline, randomUUID(), row.record_id, row.id);
    }
  }
  await client.query(
    `INSERT INTO outbound_messages (org_id, id, connection_id, record_id, sender_user_id, to_address, subject,
       body_html, body_text, message_id, idempotency_key, status, tracking, not_before, attempts, created_at, updated_at)
     SELECT $1, u.id, u.cid, u.rid, u.sender, u.address, '', '', '', u.mid, u.key, 'queued', 1, $2, 0, $2, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         AS u(id, cid, rid, sender, address, key, mid)`,
    [orgId, now, ...messages],
  );
  if (history === 'full') {
    await client.query(
      `UPDATE step_instances SET status = 'done', completed_at = $2, updated_at = $2
        WHERE org_id = $1 AND connection_id = ANY($3::text[]) AND node_id = 'w0' AND status = 'open'`,
      [orgId, now, connections[0]],
    );
    await client.query(
      `INSERT INTO step_instances (org_id, id, connection_id, record_id, sequence_id, node_id, kind, name, status,
         owner_id, due_at, priority, created_at, updated_at)
       SELECT $1, u.id, u.cid, u.rid, u.seq, u.node, u.kind, u.node, u.status, u.owner, u.at, 0, u.at, u.at
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::bigint[]) AS u(id, cid, rid, seq, node, kind, status, owner, at)`,
      [orgId, ...steps],
    );
    await client.query(
      `INSERT INTO timeline_events (org_id, id, record_id, connection_id, kind, summary, data_json, occurred_at)
       SELECT $1, u.id, u.rid, u.cid, 'email_queued', '', '{}', $2
         FROM unnest($3::text[], $4::text[], $5::text[]) AS u(id, rid, cid)`,
      [orgId, now, ...timeline],
    );
  }
  await client.query(
    `UPDATE records r SET custom_json = u.custom, updated_at = $2
       FROM unnest($3::text[], $4::text[]) AS u(id, custom) WHERE r.org_id = $1 AND r.id = u.id`,
    [orgId, now, ...records],
  );
  await client.query(
    `UPDATE connections c SET state_json = u.state, current_node_id = 'w3', next_due_at = u.next, updated_at = $2
       FROM unnest($3::text[], $4::text[], $5::bigint[]) AS u(id, state, next) WHERE c.org_id = $1 AND c.id = u.id`,
    [orgId, now, ...connections],
  );
  await client.query('COMMIT');
  return rows.length;
}
