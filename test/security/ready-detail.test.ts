import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { testConfig } from '../../src/config.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import { openStore } from '../../src/store/db.ts';
import { createPostgresDatabase } from '../support/databases.ts';

/**
 * `/api/ready` is for load balancers and answers anyone. When the database failed it answered the driver's error
 * as `detail` — the database host and port, the role name, the database name — to anonymous callers. The status
 * and a fixed reason stay; the driver's words go to the server log only.
 */
function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, text: () => lines.join('\n') };
}

async function readyWith(databaseUrl: string) {
  const logs = captureLogs();
  const store = openStore(databaseUrl, { onConnectionError: () => undefined });
  const app = await buildApp({
    store,
    config: testConfig({ databaseUrl, logLevel: 'info' }),
    clock: new FakeClock(),
    logStream: logs.stream,
  });
  try {
    await app.ready();
    const response = await app.inject({ method: 'GET', url: '/api/ready' });
    return { response, log: logs.text() };
  } finally {
    await app.close();
    await store.close();
  }
}

describe('/api/ready with a failing PostgreSQL', () => {
  it('does not tell an anonymous caller the role or database it failed with', async () => {
    const url = new URL(await createPostgresDatabase());
    url.username = 'stepwise_ops_role';
    url.password = 'not-the-password';
    url.pathname = '/crm_production_eu';
    const { response, log } = await readyWith(url.toString());
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toEqual({
      status: 'unavailable',
      database: 'postgres',
      detail: 'database query failed (see the server log)',
    });
    expect(response.body).not.toContain('stepwise_ops_role');
    expect(response.body).not.toContain('crm_production_eu');
    // The operator still finds the driver's reason in the log.
    expect(log).toContain('stepwise_ops_role');
    expect(log).toContain('not ready');
  });

  it('does not tell an anonymous caller the host and port it could not reach', async () => {
    const { response, log } = await readyWith('postgres://app:secret@127.0.0.1:1/stepwise');
    expect(response.statusCode).toBe(503);
    expect(response.json().detail).toBe('database query failed (see the server log)');
    expect(response.body).not.toContain('127.0.0.1');
    expect(log).toContain('127.0.0.1:1');
    expect(log).not.toContain('secret');
  });
});
