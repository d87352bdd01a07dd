import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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

/** Runs `node <args>` as a real child process with the given environment, its memory sampled from outside. */
export function spawnNode(args: string[], env: Record<string, string>): Child {
  const heapFile = `/tmp/stepwise-bench-heap-${process.pid}-${randomUUID()}.json`;
  const child = spawn(process.execPath, args, {
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

/** Runs `stepwise <args>` (bin/stepwise.js, the same entry point users run) as a real child process. */
export function spawnStepwise(args: string[], env: Record<string, string>): Child {
  return spawnNode([BIN, ...args], env);
}

/**
 * The Node flags production starts `stepwise worker` with (docker-compose.yml, deploy/stepwise.service; a test
 * keeps the three alike): the V8 heap limit also caps how far garbage may pile up before a full collection.
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=1024'];

/** Runs `stepwise worker <args>` as production starts it (with WORKER_NODE_FLAGS). */
export function spawnWorker(args: string[], env: Record<string, string>): Child {
  return spawnNode([...WORKER_NODE_FLAGS, BIN, 'worker', ...args], env);
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
