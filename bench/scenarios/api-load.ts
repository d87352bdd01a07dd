import autocannon from 'autocannon';
import { analyze } from '../../src/store/stats/count-rows.ts';
import { freePort, percentile, round, settleForTiming } from '../lib/env.ts';
import { createActiveSequence, createOrg, createWorklistRows, tenStepDefinition } from '../lib/fixtures.ts';
import type { MemoryFigures } from '../lib/memory.ts';
import { PROCESS_NODE_FLAGS, serveNodeFlags, spawnStepwise, waitFor } from '../lib/processes.ts';
import type { Report } from '../lib/report.ts';
import type { Target } from '../lib/target.ts';

const FILTERS: Record<string, string> = {
  'no filter': '',
  'due=overdue': 'due=overdue',
  'due=today': 'due=today',
  'due=later': 'due=later',
  'kind=phone_call': 'kind=phone_call',
  'recordType=contact': 'recordType=contact',
  sequenceId: 'sequenceId=ten-steps',
  'unread=true': 'unread=true',
  'sort=record_name': 'sort=record_name',
};
const SAMPLES_PER_FILTER = 200;
const LOAD_SECONDS = 10;

export interface WorklistFigures {
  /** The worst p99 of the first page over every filter, one client at a time, ms. */
  firstPageP99: number;
  /** GET /api/worklist under 50 concurrent clients. */
  load: { requestsPerSecond: number; p99: number; failures: number };
  memory: MemoryFigures;
}

/**
 * Scenario 3 (work list latency over HTTP) and 4 (API under load) against a real `stepwise serve --no-worker`
 * process holding `sellers × connectionsPerSeller × 4` step instances; also its peak memory (scenario 5).
 */
export async function benchApiLoadAndWorklist(
  target: Target,
  sellerCount: number,
  connectionsPerSeller: number,
  report: Report,
  options: { samplesPerFilter?: number; loadSeconds?: number } = {},
): Promise<WorklistFigures> {
  const samplesPerFilter = options.samplesPerFilter ?? SAMPLES_PER_FILTER;
  const loadSeconds = options.loadSeconds ?? LOAD_SECONDS;
  const { db } = target.store;
  const now = Date.now();
  const { sellers, tokens } = await createOrg(db, sellerCount, now);
  const { sequenceId, versionId } = await createActiveSequence(
    db,
    'ten-steps',
    sellers[0]!,
    tenStepDefinition(),
    now,
  );
  const total = sellerCount * connectionsPerSeller * 4;
  process.stdout.write(`  building ${total.toLocaleString('en')} step instances on ${target.dialect}…`);
  await createWorklistRows(db, sellers, connectionsPerSeller, sequenceId, versionId, now);
  // PostgreSQL: the rows were just written in bulk, so the timed requests must not pay for their vacuum and
  // checkpoint (settleForTiming also analyses). SQLite has neither; it needs its statistics.
  if (target.dialect === 'postgres') await settleForTiming(target.url);
  else await analyze(db, target.dialect);
  process.stdout.write(' done\n');

  const port = await freePort();
  const server = spawnStepwise(
    ['serve', '--no-worker'],
    {
      DATABASE_URL: target.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      // The bench measures the server, not the per-token budget (600/min by default would answer 429 here).
      API_TOKEN_RATE_LIMIT: '0',
    },
    [...PROCESS_NODE_FLAGS, ...serveNodeFlags()],
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        try {
          return (await fetch(`${base}/api/health`)).ok;
        } catch {
          return false;
        }
      },
      30_000,
      100,
    );
    const setup = `${target.dialect}, ${total.toLocaleString('en')} step instances, ${sellerCount} sellers`;
    let seed = 7;
    const pick = () => {
      seed = (seed * 48271) % 2147483647;
      return sellers[seed % sellers.length]!;
    };
    // Warm up connections and caches the way a running server is warm.
    for (let i = 0; i < 50; i++)
      await fetch(`${base}/api/worklist`, { headers: { authorization: `Bearer ${tokens.get(pick())}` } });
    let firstPageP99 = 0;
    let load = { requestsPerSecond: 0, p99: 0, failures: 0 };
    for (const [label, queryString] of Object.entries(FILTERS)) {
      const latencies: number[] = [];
      for (let i = 0; i < samplesPerFilter; i++) {
        const started = performance.now();
        const response = await fetch(`${base}/api/worklist?limit=50${queryString ? `&${queryString}` : ''}`, {
          headers: { authorization: `Bearer ${tokens.get(pick())}` },
        });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`work list ${label} answered ${response.status}`);
        latencies.push(performance.now() - started);
      }
      latencies.sort((a, b) => a - b);
      const p99 = round(percentile(latencies, 99), 1);
      firstPageP99 = Math.max(firstPageP99, p99);
      report.add({
        scenario: '3. Work list first page',
        setup: `${setup}; filter ${label}`,
        metric: 'p50 / p95 / p99',
        value: `${round(percentile(latencies, 50), 1)} / ${round(percentile(latencies, 95), 1)} / ${p99}`,
        unit: 'ms',
        target: 'p99 < 50 ms',
        met: p99 < 50,
      });
    }

    const seller = sellers[1 % sellers.length]!;
    const sellerIndex = sellers.indexOf(seller);
    const auth = { authorization: `Bearer ${tokens.get(seller)}` };
    let n = 0;
    const endpoints: [string, () => string][] = [
      ['GET /api/worklist', () => '/api/worklist?limit=50'],
      [
        'GET /api/records/:id/up-next',
        () => `/api/records/wl-${sellerIndex}-${n++ % connectionsPerSeller}/up-next`,
      ],
    ];
    for (const [label, path] of endpoints) {
      const probe = await fetch(base + path(), { headers: auth });
      if (!probe.ok) throw new Error(`${label} answered ${probe.status}: ${await probe.text()}`);
      const result = await autocannon({
        url: base,
        connections: 50,
        duration: loadSeconds,
        requests: [
          { method: 'GET', headers: auth, setupRequest: (request) => ({ ...request, path: path() }) },
        ],
      });
      if (label === 'GET /api/worklist') {
        load = {
          requestsPerSecond: Math.round(result.requests.average),
          p99: result.latency.p99,
          failures: result.non2xx + result.errors,
        };
      }
      report.add({
        scenario: '4. API under load',
        setup: `${target.dialect}, ${label}, 50 connections, ${loadSeconds} s`,
        metric: 'requests/s · p99',
        value: `${Math.round(result.requests.average)} · ${result.latency.p99} ms`,
        unit: '',
        note: `non-2xx ${result.non2xx}, errors ${result.errors}`,
      });
    }
    const memory = server.memory();
    report.add({
      scenario: '5. Memory',
      setup: `${target.dialect}, stepwise serve after scenarios 3–4`,
      metric: 'RSS after · peak RSS · peak V8 heap',
      value: `${memory.rssMiB ?? 'n/a'} · ${memory.peakRssMiB ?? 'n/a'} · ${memory.peakHeapMiB ?? 'n/a'}`,
      unit: 'MiB',
    });
    return { firstPageP99, load, memory };
  } finally {
    await server.stop();
  }
}
