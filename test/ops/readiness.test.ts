import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loopBeat, loopStopped } from '../../src/engine/loop-health.ts';
import { knownMigrations } from '../../src/store/migrate.ts';
import { dialects } from '../support/databases.ts';
import { createWorld } from '../support/world.ts';

/**
 * `/api/ready` (docs/operations.md): 200 only when the database answers, its schema is what this build expects, and
 * the background loops this process runs are going round; otherwise 503 with the reason, so a load balancer or
 * orchestrator takes the process out of rotation.
 */
afterEach(() => {
  loopStopped('engine');
  loopStopped('mail');
});

describe.each(dialects)('/api/ready on %s', (dialect) => {
  it('is 503 while a migration of this build is missing, and 200 once it is applied', async () => {
    const world = await createWorld(dialect);
    try {
      const last = knownMigrations().at(-1) ?? '';
      const applied = await sql<{ name: string; timestamp: string }>`
        SELECT name, timestamp FROM kysely_migration WHERE name = ${last}`.execute(world.store.db);
      await sql`DELETE FROM kysely_migration WHERE name = ${last}`.execute(world.store.db);
      const behind = await world.app.inject({ method: 'GET', url: '/api/ready' });
      expect(behind.statusCode).toBe(503);
      expect(behind.json()).toMatchObject({ status: 'unavailable', detail: expect.stringContaining(last) });

      const row = applied.rows[0];
      if (!row) throw new Error('the last migration was not recorded');
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${row.name}, ${row.timestamp})`.execute(
        world.store.db,
      );
      const ready = await world.app.inject({ method: 'GET', url: '/api/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', database: dialect });
    } finally {
      await world.close();
    }
  });

  it('is 503 naming a background loop that has not gone round for over 5 minutes', async () => {
    const world = await createWorld(dialect);
    try {
      loopBeat('mail');
      loopBeat('engine', Date.now() - 6 * 60_000);
      const stuck = await world.app.inject({ method: 'GET', url: '/api/ready' });
      expect(stuck.statusCode).toBe(503);
      expect(stuck.json().detail).toBe('background loop not running: engine');

      loopBeat('engine');
      expect((await world.app.inject({ method: 'GET', url: '/api/ready' })).statusCode).toBe(200);
      // A loop that stopped (SIGTERM) is no longer expected.
      loopBeat('engine', Date.now() - 6 * 60_000);
      loopStopped('engine');
      expect((await world.app.inject({ method: 'GET', url: '/api/ready' })).statusCode).toBe(200);
    } finally {
      await world.close();
    }
  });
});
