import SQLite from 'better-sqlite3';
import { openStore } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { round } from '../lib/env.ts';
import type { Report } from '../lib/report.ts';
import { type RowCensus, TRANSITIONS_PER_CONNECTION } from '../scenarios/engine-throughput.ts';

/**
 * Ceiling: the rows scenario 2 writes for N connections (the same inserts per table, as counted in that run,
 * plus one update each of the connection, the record, the finished task and the finished step), written by a
 * plain batched better-sqlite3 loop with prepared statements into the same schema and indexes. No reads, no
 * logic: the practical upper bound for SQLite on this disk.
 */
export async function benchRawSqlite(size: number, census: RowCensus, report: Report) {
  const file = `/tmp/stepwise-bench/raw-${process.pid}.db`;
  const store = openStore(`sqlite:${file}`);
  await migrateToLatest(store.db);
  await store.close();
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const now = Date.now();
  const insertConnection = db.prepare(
    `insert into connections (org_id,id,record_id,sequence_id,version_id,status,state_json,owner_id,connected_by,connected_at,updated_at)
     values ('o',?,?,'s','v','active','{}','u','u',?,?)`,
  );
  const insertRecord = db.prepare(
    `insert into records (org_id,id,type,name,status,owner_id,business_unit_id,custom_json,created_at,updated_at)
     values ('o',?,'lead',?,'open','u','b','{}',?,?)`,
  );
  const insertTask = db.prepare(
    `insert into scheduled_tasks (org_id,id,connection_id,kind,payload_json,idempotency_key,due_at,status,created_at,updated_at)
     values ('o',?,?,'event',?,?,?,'pending',?,?)`,
  );
  const insertStep = db.prepare(
    `insert into step_instances (org_id,id,connection_id,record_id,sequence_id,node_id,kind,name,status,owner_id,due_at,created_at,updated_at)
     values ('o',?,?,?,'s',?,'wait','Step','waiting','u',?,?,?)`,
  );
  const insertMessage = db.prepare(
    `insert into outbound_messages (org_id,id,connection_id,step_instance_id,record_id,sender_user_id,to_address,subject,body_html,body_text,message_id,idempotency_key,status,not_before,created_at,updated_at)
     values ('o',?,?,?,?,'u',?,'','','',?,?,'queued',?,?,?)`,
  );
  const insertTimeline = db.prepare(
    `insert into timeline_events (org_id,id,record_id,connection_id,kind,summary,data_json,occurred_at) values ('o',?,?,?,'step','Step reached','{}',?)`,
  );
  const updateConnection = db.prepare(
    `update connections set state_json = ?, current_node_id = 'w3', updated_at = ? where org_id = 'o' and id = ?`,
  );
  const updateRecord = db.prepare(
    `update records set custom_json = ?, updated_at = ? where org_id = 'o' and id = ?`,
  );
  const updateTask = db.prepare(
    `update scheduled_tasks set status = 'done', updated_at = ? where org_id = 'o' and id = ?`,
  );
  const updateStep = db.prepare(
    `update step_instances set status = 'completed', updated_at = ? where org_id = 'o' and id = ?`,
  );
  // The rows that exist before the timed phase: connections, records, the due task, the first wait's step.
  db.transaction(() => {
    for (let i = 0; i < size; i++) {
      insertConnection.run(`c${i}`, `r${i}`, now, now);
      insertRecord.run(`r${i}`, `Lead ${i}`, now, now);
      insertTask.run(`t${i}`, `c${i}`, '{"type":"timer"}', `k${i}`, now, now, now);
      insertStep.run(`s${i}-w0`, `c${i}`, `r${i}`, 'w0', now, now, now);
    }
  })();
  const per = (n: number) => n / size;
  const steps = per(census.step_instances);
  const tasks = per(census.scheduled_tasks);
  const timeline = per(census.timeline_events);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const c = `c${i}`;
      const r = `r${i}`;
      for (let k = 0; k < Math.round(steps); k++) insertStep.run(`s${i}-${k}`, c, r, `n${k}`, now, now, now);
      for (let k = 0; k < Math.round(per(census.outbound_messages)); k++) {
        insertMessage.run(
          `m${i}-${k}`,
          c,
          `s${i}-0`,
          r,
          `lead${i}@example.com`,
          `<m${i}-${k}@bench>`,
          `${c}:e1:${k}`,
          now,
          now,
          now,
        );
      }
      for (let k = 0; k < Math.round(tasks); k++)
        insertTask.run(`t${i}-${k}`, c, '{"type":"timer"}', `k${i}-${k}`, now, now, now);
      for (let k = 0; k < Math.round(timeline); k++) insertTimeline.run(`e${i}-${k}`, r, c, now);
      updateConnection.run('{"node":"w3"}', now, c);
      updateRecord.run('{"leadStage":"contacted"}', now, r);
      updateTask.run(now, `t${i}`);
      updateStep.run(now, `s${i}-w0`);
    }
  });
  for (let i = 0; i < size; i += 500) batch(i, Math.min(size, i + 500));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  db.close();
  const setup = `sqlite, plain better-sqlite3 loop, rows of ${size.toLocaleString('en')} connections`;
  const rowsPerSecondAsTransitions = Math.round((size * TRANSITIONS_PER_CONNECTION) / seconds);
  report.add({ scenario: 'Baseline', setup, metric: 'wall time', value: round(seconds, 2), unit: 's' });
  report.add({
    scenario: 'Baseline',
    setup,
    metric: 'ceiling (same rows, as transitions)',
    value: rowsPerSecondAsTransitions,
    unit: '/s',
    note: `per connection: ${round(steps, 2)} step rows, ${round(tasks, 2)} task rows, ${round(timeline, 2)} timeline rows inserted; 4 updates`,
  });
  report.add({
    scenario: 'Baseline',
    setup,
    metric: 'CPU time (user + system of the bench process)',
    value: round(cpuSeconds, 2),
    unit: 's',
    note: `${Math.round((size * TRANSITIONS_PER_CONNECTION) / cpuSeconds)} as transitions per CPU-second`,
  });
  return { rowsPerSecondAsTransitions, cpuSeconds };
}
