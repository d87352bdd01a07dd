import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { freePort, killAll, LONG, spawnStepwise } from './harness.ts';

/**
 * One SQLite file, several processes: the scheduler has one owner (the first `serve` or `worker`); a second
 * scheduler is refused with a message naming the owner, while `serve --no-worker` and one-off commands run
 * beside it. The lock dies with its process, so a SIGKILLed owner does not block its successor.
 */
const file = `/tmp/stepwise-owner-${randomUUID()}.db`;
afterAll(() => {
  killAll();
  for (const suffix of ['', '-wal', '-shm', '.scheduler-lock', '.scheduler-lock.owner']) {
    rmSync(`${file}${suffix}`, { force: true });
  }
});

function exitOf(process: ReturnType<typeof spawnStepwise>): Promise<number | null> {
  return new Promise((done) => {
    if (!process.alive()) return done(process.child.exitCode);
    process.child.once('exit', (code) => done(code));
  });
}

describe('a second process on one SQLite file', () => {
  it('refuses a second scheduler, allows serve --no-worker and one-off commands, survives a crash', async () => {
    const store = openStore(`sqlite:${file}`);
    await migrateToLatest(store.db);
    await store.close();
    const env = { DATABASE_URL: `sqlite:${file}` };

    const owner = spawnStepwise('owner', ['serve'], { ...env, PORT: String(await freePort()) });
    await owner.waitFor('background work started', 60_000);

    const [worker, secondServe, webOnly, migrate] = [
      spawnStepwise('worker', ['worker'], env),
      spawnStepwise('serve-2', ['serve'], { ...env, PORT: String(await freePort()) }),
      spawnStepwise('web-only', ['serve', '--no-worker'], { ...env, PORT: String(await freePort()) }),
      spawnStepwise('migrate', ['migrate'], env),
    ];
    const [workerExit, serveExit, migrateExit] = await Promise.all([
      exitOf(worker),
      exitOf(secondServe),
      exitOf(migrate),
      webOnly.waitFor('Stepwise is serving', 60_000),
    ]);
    expect(workerExit).toBe(1);
    expect(worker.output()).toContain(`already runs in process ${owner.child.pid}`);
    expect(worker.output()).toContain('serve --no-worker');
    expect(serveExit).toBe(1);
    expect(secondServe.output()).toContain(`already runs in process ${owner.child.pid}`);
    expect(migrateExit).toBe(0);
    expect(webOnly.alive()).toBe(true);
    expect(owner.alive()).toBe(true);

    // The owner dies without cleaning up; the next scheduler starts at once. (The short run leaves this to
    // import-crash.test.ts, which SIGKILLs `serve` on SQLite and starts it again.)
    await owner.kill('SIGKILL');
    if (LONG) {
      const successor = spawnStepwise('successor', ['worker'], env);
      await successor.waitFor('engine worker started', 60_000);
      expect(successor.alive()).toBe(true);
      await successor.kill('SIGTERM');
    }
    await webOnly.kill('SIGTERM');
  }, 120_000);
});
