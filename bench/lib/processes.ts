import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { heapProbeEnv, type MemoryFigures, memorySampler } from './memory.ts';

const BIN = resolve(import.meta.dirname, '../../bin/stepwise.js');

export interface Child {
  process: ChildProcess;
  output(): string;
  /** Memory of the child so far, sampled from /proc/PID/status plus the heap probe preloaded into it. */
  memory(): MemoryFigures;
  stop(): Promise<void>;
}

/**
 * Runs `node <args>` as a real child process with the given environment, its memory sampled from outside.
 * `nodeFlags` go before the script (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, `--heapsnapshot-signal=SIGUSR2`).
 */
export function spawnNode(args: string[], env: Record<string, string>, nodeFlags: string[] = []): Child {
  const heapFile = `/tmp/stepwise-bench-heap-${process.pid}-${randomUUID()}.json`;
  const child = spawn(process.execPath, [...nodeFlags, ...args], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      STEPWISE_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
      ...heapProbeEnv(heapFile),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sampler = child.pid ? memorySampler(child.pid, heapFile) : null;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return {
    process: child,
    output: () => output,
    memory: () => sampler?.figures() ?? { peakRssMiB: null, rssMiB: null, peakHeapMiB: null, heapMiB: null },
    stop: () =>
      new Promise<void>((done) => {
        const finish = () => {
          sampler?.stop();
          done();
        };
        if (child.exitCode !== null || child.signalCode !== null) return finish();
        child.once('exit', finish);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/**
 * Runs `stepwise <args>` (bin/stepwise.js, the same entry point users run) as a real child process.
 * `BENCH_NODE_FLAGS` (space-separated) goes before the script of every such child, e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to profile the workers and `serve` of a run; `nodeFlags` are the caller's own.
 */
export function spawnStepwise(args: string[], env: Record<string, string>, nodeFlags: string[] = []): Child {
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  return spawnNode([BIN, ...args], env, [...flags, ...nodeFlags]);
}

/**
 * Node flags for the benchmarked `stepwise serve` only, from BENCH_SERVE_NODE_FLAGS (space-separated), to profile
 * it under the load: `BENCH_SERVE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx bench/run.ts --only worklist`.
 */
export function serveNodeFlags(): string[] {
  return (process.env.BENCH_SERVE_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

/**
 * The Node flags production starts every `stepwise` process with (Dockerfile, deploy/stepwise.service, `npm start`;
 * test/ops/process-heap.test.ts keeps them alike): the V8 heap limit also caps how far garbage may pile up before a
 * full collection.
 */
export const PROCESS_NODE_FLAGS = ['--max-old-space-size=1024'];

/** Runs `stepwise worker <args>` as production starts it (with PROCESS_NODE_FLAGS, and BENCH_NODE_FLAGS). */
export function spawnWorker(args: string[], env: Record<string, string>): Child {
  return spawnStepwise(['worker', ...args], env, PROCESS_NODE_FLAGS);
}

export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 25,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now();
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * CPU time (user + system, seconds) a live process has used so far, from /proc/PID/stat (null once it exited). On a
 * shared machine this is the steadier figure: wall time also counts the time the process waited for a core.
 */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, utime 14 and stime 15 (1-based), in clock ticks (100 per second).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * CPU time (seconds) used so far by the live processes of the PostgreSQL server this bench started (its postmaster,
 * a child of this process, and the postmaster's children): the server's side of a drain, read at two moments while
 * the workers' pooled backends are alive (a backend that exits between them is lost). Other `postgres` servers on
 * a shared machine (other benches, test suites) are not counted; without a server of its own, every `postgres`
 * process is.
 */
export function postgresCpuSeconds(): number {
  const servers = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      servers.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const own = [...servers].filter(([, parent]) => parent === process.pid).map(([pid]) => pid);
  let total = 0;
  for (const [pid, parent] of servers) {
    if (own.length > 0 && !own.includes(pid) && !own.includes(parent)) continue;
    total += cpuSeconds(pid) ?? 0;
  }
  return total;
}
