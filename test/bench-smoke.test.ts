import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { benchRawSqlite } from '../bench/baselines/raw-sqlite.ts';
import { Report } from '../bench/lib/report.ts';
import type { Target } from '../bench/lib/target.ts';
import { benchApiLoadAndWorklist } from '../bench/scenarios/api-load.ts';
import { benchBulkConnect } from '../bench/scenarios/bulk-connect.ts';
import { benchClassifyInbound } from '../bench/scenarios/classify-inbound.ts';
import { benchEngineThroughput } from '../bench/scenarios/engine-throughput.ts';
import { type DialectName, openStore } from '../src/store/db.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { createPostgresDatabase } from './support/databases.ts';

/**
 * The benchmark scenarios at a few hundred rows, as correctness checks only (no timing is asserted): every
 * lead connected, every queued email received by the SMTP sink exactly once, the work list answering 200 for
 * every filter and under load. The scenarios themselves throw when their own checks fail.
 */
const targets: Target[] = [];

async function target(dialect: DialectName): Promise<Target> {
  const url =
    dialect === 'postgres'
      ? await createPostgresDatabase()
      : `sqlite:/tmp/stepwise-bench-smoke-${randomUUID()}.db`;
  const store = openStore(url, { poolSize: 5 });
  await migrateToLatest(store.db);
  const t = { dialect, store, url };
  targets.push(t);
  return t;
}

afterEach(async () => {
  for (const t of targets.splice(0)) await t.store.close();
});

const figure = (report: Report, metric: string) => report.figures.find((f) => f.metric === metric);

describe.each(['sqlite', 'postgres'] as const)('benchmark scenarios, small (%s)', (dialect) => {
  it('bulk connect connects every lead', async () => {
    const report = new Report();
    await benchBulkConnect(await target(dialect), 300, report);
    expect(figure(report, 'throughput')?.value).toBeGreaterThan(0);
  });

  it('engine throughput: every connection advances and the sink receives every email exactly once', async () => {
    const report = new Report();
    const result = await benchEngineThroughput(
      await target(dialect),
      200,
      dialect === 'postgres' ? 2 : 1,
      report,
      {
        deliverMail: true,
      },
    );
    const received = figure(report, 'SMTP messages received by the sink');
    expect(received?.value).toBe('200 (duplicates: 0)');
    expect(received?.met).toBe(true);
    expect(result.census.outbound_messages).toBe(200);
    if (dialect === 'sqlite') {
      const ceiling = await benchRawSqlite(200, result.census, report);
      expect(ceiling.rowsPerSecondAsTransitions).toBeGreaterThan(0);
    }
  }, 90_000);
});

describe('work list and API load, small (sqlite)', () => {
  it('answers 200 for every filter and under load', async () => {
    const report = new Report();
    await benchApiLoadAndWorklist(await target('sqlite'), 4, 10, report, {
      samplesPerFilter: 3,
      loadSeconds: 1,
    });
    const load = report.figures.filter((f) => f.scenario === '4. API under load');
    expect(load).toHaveLength(2);
    for (const f of load) expect(f.note).toBe('non-2xx 0, errors 0');
    expect(report.figures.filter((f) => f.scenario === '3. Work list first page')).toHaveLength(9);
  }, 90_000);
});

describe('inbound classification benchmark, small', () => {
  it('classifies the corpus and reports messages per second', async () => {
    const report = new Report();
    const { perSecond } = await benchClassifyInbound(1, report);
    expect(perSecond).toBeGreaterThan(0);
    expect(figure(report, 'messages/s')?.unit).toBe('msg/CPU-s');
  });
});
