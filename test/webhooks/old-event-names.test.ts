import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { renameOldWebhookEvents } from '../../src/store/migrations/0015_write_path.ts';
import { findWebhook, insertWebhook } from '../../src/store/repos/webhook-repo.ts';
import { dialects, freshStore } from '../support/databases.ts';

describe.each(dialects)('webhook subscriptions from before the event rename on %s', (dialect) => {
  it('move to connection.connected / connection.ended, other names stay', async () => {
    const store = await freshStore(dialect);
    try {
      const old = await insertWebhook(store.db, {
        orgId: 'o1',
        url: 'https://hooks.example.com/a',
        secretEnc: 'x',
        events: ['connection.started', 'connection.completed', 'connection.disconnected', 'email.replied'],
        enabled: true,
        now: 1,
      });
      const current = await insertWebhook(store.db, {
        orgId: 'o1',
        url: 'https://hooks.example.com/b',
        secretEnc: 'x',
        events: ['step.*'],
        enabled: true,
        now: 1,
      });
      await renameOldWebhookEvents(store.db as unknown as Kysely<unknown>);
      expect(JSON.parse((await findWebhook(store.db, 'o1', old.id))!.events_json)).toEqual([
        'connection.connected',
        'connection.ended',
        'email.replied',
      ]);
      expect(JSON.parse((await findWebhook(store.db, 'o1', current.id))!.events_json)).toEqual(['step.*']);
    } finally {
      await store.close();
    }
  });
});
