import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Real `stepwise worker --only engine` processes for the crash tests, started from a built server (`bin`) with
 * two batches in flight and small batches (many claim → commit windows to kill in), and killed with SIGKILL.
 */
export function startCrashWorker(
  bin: string,
  children: Set<ChildProcess>,
  options: { url: string; workerId: string; fakeNow: number; secretKey: string },
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'worker', '--only', 'engine'], {
    env: {
      ...process.env,
      DATABASE_URL: options.url,
      STEPWISE_FAKE_NOW: String(options.fakeNow),
      STEPWISE_WORKER_ID: options.workerId,
      STEPWISE_SECRET_KEY: options.secretKey,
      WORKER_LEASE_MS: '60000',
      WORKER_POLL_MS: '50',
      WORKER_BATCH_SIZE: '25',
      // Two batches in flight per worker: a kill interrupts both, and suspects must still be charged fairly.
      WORKER_CONCURRENCY: '2',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolveStart, reject) => {
    let output = '';
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
      if (output.includes('engine worker started')) resolveStart(child);
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`worker exited (${code}) before starting: ${output}`));
    });
  });
}

export function killWorker(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}
