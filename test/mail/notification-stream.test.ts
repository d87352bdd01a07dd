import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertNotification } from '../../src/store/repos/notifications-repo.ts';
import { T0 } from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';

/** Notifications arrive live as server-sent events: only your own, with the unread count. */
describe.each(dialects)('notification stream on %s', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(dialect);
    world.clock.set(T0);
  });
  afterEach(async () => {
    await world.close();
  });

  it('streams a new notification to its user and not to anyone else', async () => {
    const mine = world.as('eastSeller', 'GET', '/api/notifications/stream?max=3');
    const theirs = world.as('westSeller', 'GET', '/api/notifications/stream?max=3');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await insertNotification(world.store.db, {
      orgId: ORG_ID,
      userId: USERS.eastSeller.id,
      kind: 'reply',
      recordId: null,
      summary: 'Ada Lovelace replied',
      data: {},
      now: T0 + 1,
    });
    const [stream, other] = await Promise.all([mine, theirs]);
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    expect(stream.body).toContain('event: ready\ndata: {"unread":0}');
    expect(stream.body).toMatch(/event: notification\ndata: \{"unread":1,"id":"[^"]+"\}/);
    expect(other.body).toContain('event: ready');
    expect(other.body).not.toContain('event: notification');
    const anonymous = await world.app.inject({ method: 'GET', url: '/api/notifications/stream?max=0' });
    expect(anonymous.statusCode).toBe(401);
  });
});
