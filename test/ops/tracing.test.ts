import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/api/auth/secrets.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { insertToken } from '../../src/store/repos/identity-repo.ts';
import {
  buildServer,
  freePort,
  killAll,
  pause,
  type SmtpSink,
  spawnStepwise,
  startSink,
} from '../faults/harness.ts';
import { connectLeads, seedEmailWorld } from '../faults/outage-world.ts';
import { SELLER } from '../mail/mail-fixtures.ts';
import { ORG_ID } from '../support/world.ts';

/**
 * OpenTelemetry traces, as an operator turns them on: the built server (dist/) with OTEL_EXPORTER_OTLP_ENDPOINT
 * pointing at a loopback OTLP/HTTP JSON receiver. The spans of a request (its parent taken from `traceparent`),
 * of the engine batch and of each delivery attempt arrive with their attributes; the bearer token, the query
 * string and the recipients' addresses appear nowhere in what was exported.
 */
const server = buildServer();
const file = `/tmp/stepwise-tracing-${randomUUID()}.db`;
let store: Store | null = null;
let sink: SmtpSink | null = null;
let collector: Server | null = null;
afterAll(async () => {
  killAll();
  await store?.close();
  await sink?.close();
  collector?.close();
  server.remove();
  for (const suffix of ['', '-wal', '-shm', '.scheduler-lock', '.scheduler-lock.owner']) {
    rmSync(`${file}${suffix}`, { force: true });
  }
});

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: OtlpValue }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

function attributesOf(list: { key: string; value: OtlpValue }[]): Record<string, string | number | boolean> {
  return Object.fromEntries(
    list.map(({ key, value }) => [
      key,
      value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? '')),
    ]),
  );
}

/** A loopback OTLP/HTTP receiver: keeps every body POSTed to /v1/traces, as received. */
async function startCollector(): Promise<{ port: number; bodies: string[]; paths: string[] }> {
  const bodies: string[] = [];
  const paths: string[] = [];
  collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      paths.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => collector?.listen(0, '127.0.0.1', () => done()));
  return { port: (collector.address() as AddressInfo).port, bodies, paths };
}

describe('OpenTelemetry traces', () => {
  it('the built server loads no OpenTelemetry module up front: only dynamic imports, used when tracing is on', () => {
    const dist = join(dirname(dirname(server.bin)), 'dist');
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    const sources = files.map((f) => readFileSync(join(dist, f), 'utf8'));
    expect(sources.some((source) => source.includes('import("@opentelemetry/sdk-trace-node")'))).toBe(true);
    for (const source of sources) expect(source).not.toMatch(/^import[^;]*from\s*"@opentelemetry\//m);
  });

  it('exports spans of requests, engine batches and deliveries over OTLP/HTTP JSON, without secrets', async () => {
    const received = await startCollector();
    sink = await startSink();
    store = openStore(`sqlite:${file}`);
    await migrateToLatest(store.db);
    const now = Date.now();
    const { sequenceId } = await seedEmailWorld(store, { smtpPort: sink.port, now });
    const addresses = await connectLeads(store, sequenceId, { from: 0, to: 5 }, now);
    const token = `swt_tracing-${randomUUID()}`;
    await insertToken(store.db, {
      orgId: ORG_ID,
      id: newId(now),
      userId: SELLER,
      name: 'tracing test',
      tokenHash: hashSecret(token),
      scopes: ['read'],
      expiresAt: null,
      now,
    });

    const port = await freePort();
    const serve = spawnStepwise(
      'serve',
      ['serve'],
      {
        DATABASE_URL: `sqlite:${file}`,
        PORT: String(port),
        WORKER_POLL_MS: '100',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${received.port}`,
        OTEL_SERVICE_NAME: 'stepwise-under-test',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      server.bin,
    );
    await serve.waitFor('Stepwise is serving', 60_000);
    expect(serve.output()).toContain('OpenTelemetry traces on');
    const deadline = Date.now() + 60_000;
    while (sink.received.length < addresses.length && Date.now() < deadline) await pause(50);
    expect(sink.received).toHaveLength(addresses.length);

    const traceId = randomUUID().replaceAll('-', '');
    const parentSpanId = randomUUID().replaceAll('-', '').slice(0, 16);
    const response = await fetch(
      `http://127.0.0.1:${port}/api/sequences/${sequenceId}?secretQuery=query-${token}`,
      {
        headers: { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${parentSpanId}-01` },
      },
    );
    expect(response.status).toBe(200);
    const missing = await fetch(`http://127.0.0.1:${port}/api/sequences/${randomUUID()}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(missing.status).toBe(404);

    // SIGTERM flushes what is still buffered before the process exits.
    const exited = new Promise<number | null>((done) => serve.child.once('exit', (code) => done(code)));
    serve.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    expect(received.paths.length).toBeGreaterThan(0);
    for (const path of received.paths) expect(path).toBe('POST /v1/traces application/json');
    const exports = received.bodies.map((body) => JSON.parse(body) as OtlpExport);
    const resources = exports.flatMap((e) => e.resourceSpans.map((r) => attributesOf(r.resource.attributes)));
    expect(resources[0]).toMatchObject({
      'service.name': 'stepwise-under-test',
      'stepwise.process': 'serve',
    });
    const spans = exports.flatMap((e) =>
      e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
    );

    // The request: a server span under the caller's trace, named by its route pattern.
    const request = spans.find((s) => s.traceId === traceId);
    expect(request).toMatchObject({ name: 'GET /api/sequences/:id', parentSpanId, kind: 2 });
    expect(attributesOf(request?.attributes ?? [])).toEqual({
      'http.request.method': 'GET',
      'http.route': '/api/sequences/:id',
      'http.response.status_code': 200,
    });
    const notFound = spans.find(
      (s) =>
        s.name === 'GET /api/sequences/:id' &&
        attributesOf(s.attributes)['http.response.status_code'] === 404,
    );
    expect(notFound).toBeDefined();
    expect(notFound?.traceId).not.toBe(traceId);

    // The engine batch that queued the emails, and one delivery attempt per email.
    const batches = spans
      .filter((s) => s.name === 'stepwise.engine.batch')
      .map((s) => attributesOf(s.attributes));
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => b['stepwise.engine.outcome'] === 'applied')).toBe(true);
    expect(batches.reduce((sum, b) => sum + Number(b['stepwise.engine.tasks']), 0)).toBeGreaterThanOrEqual(
      addresses.length,
    );
    const deliveries = spans
      .filter((s) => s.name === 'stepwise.email.deliver')
      .map((s) => attributesOf(s.attributes));
    expect(deliveries).toHaveLength(addresses.length);
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({
        'stepwise.email.outcome': 'sent',
        'stepwise.email.attempt': 1,
        'stepwise.email.route': 'smtp',
      });
    }

    // Nothing secret or personal left the process.
    const everything = received.bodies.join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain('secretQuery');
    expect(everything).not.toContain('customer.test');
    for (const address of addresses) expect(everything).not.toContain(address);
  }, 120_000);
});
