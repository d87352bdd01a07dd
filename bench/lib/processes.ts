import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { peakRssMiB } from './env.ts';

const BIN = resolve(import.meta.dirname, '../../bin/stepwise.js');

export interface Child {
  process: ChildProcess;
  output(): string;
  /** Peak resident memory so far (Linux VmHWM), MiB. */
  peakRss(): number | null;
  stop(): Promise<void>;
}

/** Runs `stepwise <args>` as a real child process with the given environment. */
export function spawnStepwise(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      STEPWISE_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    peakRss: () => (child.pid ? peakRssMiB(child.pid) : null),
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
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
