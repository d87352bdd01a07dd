import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { storeOptionsOf } from '../../src/cli/runtime.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { openStore } from '../../src/store/db.ts';
import { createPostgresDatabase } from '../support/databases.ts';

const KEY = { STEPWISE_SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789abcdef' };

describe('database settings from the environment', () => {
  it('refuses a bad pool size or timeout, naming the variable', () => {
    expect(() => loadConfig({ ...KEY, DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => loadConfig({ ...KEY, DATABASE_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(
      /DATABASE_STATEMENT_TIMEOUT_MS/,
    );
    expect(() => loadConfig({ ...KEY, DATABASE_IDLE_TIMEOUT_MS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...KEY, DATABASE_SSL_CA_FILE: '/nonexistent/ca.pem' })).toThrow(
      /DATABASE_SSL_CA_FILE: file not found/,
    );
    expect(() => loadConfig({ ...KEY, SHUTDOWN_TIMEOUT: '0' })).toThrow(/SHUTDOWN_TIMEOUT/);
  });

  it('PostgreSQL: the statement timeout cancels a slow query and the pool never exceeds its size', async () => {
    const url = await createPostgresDatabase();
    const config = loadConfig({
      ...KEY,
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: '2',
      DATABASE_STATEMENT_TIMEOUT_MS: '300',
    });
    const store = openStore(url, storeOptionsOf(config));
    try {
      await expect(sql`select pg_sleep(2)`.execute(store.db)).rejects.toThrow(/statement timeout/);
      // Six concurrent queries share at most two server connections.
      const pids = await Promise.all(
        Array.from({ length: 6 }, () =>
          sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.1)`.execute(store.db),
        ),
      );
      expect(new Set(pids.map((result) => result.rows[0]?.pid)).size).toBeLessThanOrEqual(2);
    } finally {
      await store.close();
    }
  });
});
