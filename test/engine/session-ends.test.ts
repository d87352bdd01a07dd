import { once } from 'node:events';
import net from 'node:net';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, MINUTE } from '../../src/engine/clock.ts';
import type { EngineDeps } from '../../src/engine/engine-deps.ts';
import { MAX_TASK_ATTEMPTS, processDueBatch } from '../../src/engine/process-tasks.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { freshStore } from '../support/databases.ts';
import { connectNew, definition, seedEngineWorld, T0 } from './engine-fixtures.ts';

/**
 * A worker whose database session ends while it applies a task. Two causes look alike to the worker but not to
 * the task: PostgreSQL ending the session and saying why (an administrator's `pg_terminate_backend`, a restart)
 * is not the task's doing, and must cost it no attempt however often it happens; a session that vanishes with no
 * reason while the task's statements run (as when they crash the server process) may be the task's doing, and
 * such a task must still end `dead` after 5 attempts without holding the others back. The worker reaches
 * PostgreSQL through a TCP proxy that acts whenever a statement names the chosen connection.
 */
const CONNECTIONS = 12;
const def = definition({
  start: 'm1',
  nodes: [
    { id: 'm1', kind: 'automated_email', templateId: 'tpl-1', next: 'call' },
    { id: 'call', kind: 'phone_call', next: null },
  ],
});

type Mode = 'pass' | 'cut' | 'terminate';

interface Proxy {
  url: string;
  mode: Mode;
  /** Times a statement naming the marker was met (and the session cut or ended). */
  hits: number;
  close(): Promise<void>;
}

/** Forwards to PostgreSQL; a client → server chunk naming `marker` is not forwarded, and the session ends. */
async function startProxy(target: string, marker: string, admin: pg.Client): Promise<Proxy> {
  const url = new URL(target);
  const [host, port] = [url.hostname, Number(url.port)];
  const sockets = new Set<net.Socket>();
  const proxy: Proxy = { url: '', mode: 'pass', hits: 0, close: async () => undefined };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      if (proxy.mode === 'pass' || !chunk.includes(marker)) {
        upstream.write(chunk);
        return;
      }
      proxy.hits++;
      if (proxy.mode === 'cut') {
        // No reason given: the client sees its connection end, as when the server process dies.
        client.destroy();
        return;
      }
      // PostgreSQL ends the session, which waits for this statement, and tells the client why (57P01).
      client.pause();
      void admin
        .query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = $1', [
          upstream.localPort,
        ])
        .catch(() => client.destroy());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  proxy.url = url.toString();
  proxy.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => server.close(() => done(undefined)));
  };
  return proxy;
}

describe('a worker whose database session ends mid-task (postgres)', () => {
  let store: Store;
  let workerStore: Store | undefined;
  let admin: pg.Client;
  let proxy: Proxy | undefined;
  let deps: EngineDeps;
  let poison: string;
  const clock = new FakeClock(T0);

  beforeEach(async () => {
    clock.set(T0);
    store = await freshStore('postgres');
    deps = await seedEngineWorld(store, clock);
    const connections: string[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      connections.push((await connectNew(store, def, { email: `s${i}@example.com` }, T0)).connectionId);
    }
    poison = connections[CONNECTIONS / 2]!;
    admin = new pg.Client({ connectionString: store.url });
    await admin.connect();
    proxy = await startProxy(store.url, poison, admin);
    workerStore = openStore(proxy.url, { poolSize: 4 });
    deps = { ...deps, store: workerStore };
  });
  afterEach(async () => {
    await workerStore?.close();
    await proxy?.close();
    await admin.end();
    await store.close();
  });

  /** Rounds of the worker (a failed round is what its loop would log and retry) until `done`. */
  async function work(done: () => Promise<boolean>): Promise<void> {
    for (let round = 0; round < 500 && !(await done()); round++) {
      const claimed = await processDueBatch(deps).catch(() => 0);
      if (claimed === 0) clock.advance(MINUTE);
    }
  }

  const tasks = () =>
    store.db
      .selectFrom('scheduled_tasks')
      .select(['connection_id', 'status', 'attempts', 'last_error'])
      .where('due_at', '<', T0 + 3_600_000)
      .execute();
  const settled = async () => (await tasks()).every((t) => t.status !== 'pending');

  it('sessions PostgreSQL ends cost the task nothing: after 8 in a row it still runs, once', async () => {
    proxy!.mode = 'terminate';
    await work(async () => proxy!.hits >= 2 * MAX_TASK_ATTEMPTS - 2);
    const poisonTask = (await tasks()).find((t) => t.connection_id === poison);
    expect(proxy!.hits, `the task is ${JSON.stringify(poisonTask)}`).toBeGreaterThanOrEqual(
      2 * MAX_TASK_ATTEMPTS - 2,
    );
    proxy!.mode = 'pass';
    await work(settled);
    const rows = await tasks();
    expect(rows.filter((t) => t.status !== 'done')).toEqual([]);
    expect(rows.filter((t) => t.attempts !== 1)).toEqual([]);
    const emails = await store.db.selectFrom('outbound_messages').select('connection_id').execute();
    expect(emails.map((e) => e.connection_id).sort()).toEqual(rows.map((t) => t.connection_id).sort());
  }, 120_000);

  it('a task whose statements make the session vanish ends dead after 5 attempts; the others run once', async () => {
    proxy!.mode = 'cut';
    await work(settled);
    const rows = await tasks();
    const dead = rows.filter((t) => t.status === 'dead');
    expect(dead.map((t) => [t.connection_id, t.attempts])).toEqual([[poison, MAX_TASK_ATTEMPTS]]);
    expect(dead[0]?.last_error).toMatch(/Connection terminated|connection error|ECONNRESET/);
    const others = rows.filter((t) => t.connection_id !== poison);
    expect(others).toHaveLength(CONNECTIONS - 1);
    expect(others.filter((t) => t.status !== 'done')).toEqual([]);
    // One failed batch beside the poison, then a solo try.
    expect(others.filter((t) => t.attempts > 2)).toEqual([]);
    const emails = await store.db.selectFrom('outbound_messages').select('connection_id').execute();
    expect(emails).toHaveLength(CONNECTIONS - 1);
  }, 120_000);
});
