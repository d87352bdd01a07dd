import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertNotification } from '../../src/store/repos/notifications-repo.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';

/**
 * The notification stream is one long response (up to an hour with `?max=3600`). Signing out, revoking a token or
 * deactivating the user must end it too: it must not go on telling whoever holds the old credential about new
 * notifications. Each stream below is open (its `ready` event read) before the credential ends; it must then end
 * without ever sending the notification written afterwards.
 */
interface OpenStream {
  /** Resolves with everything the stream sent once the server ends it. */
  ended: Promise<string>;
}

function openStream(port: number, headers: Record<string, string>): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/api/notifications/stream?max=600', headers },
      (res) => {
        expect(res.statusCode).toBe(200);
        let body = '';
        let ready = false;
        const ended = new Promise<string>((done) => res.on('end', () => done(body)));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (!ready && body.includes('event: ready')) {
            ready = true;
            resolve({ ended });
          }
          // Old behaviour: the stream lives on and tells about the new notification. Stop waiting for `max`.
          if (body.includes('event: notification')) req.destroy();
        });
        res.on('close', () => res.emit('end'));
      },
    );
    req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
    req.end();
  });
}

describe.each(dialects)('the notification stream ends with its credential on %s', (dialect) => {
  let world: World;
  let port: number;
  beforeEach(async () => {
    world = await createWorld(dialect);
    await world.app.listen({ port: 0, host: '127.0.0.1' });
    port = (world.app.server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await world.close();
  });

  const notify = (userId: string) =>
    insertNotification(world.store.db, {
      orgId: ORG_ID,
      userId,
      kind: 'reply',
      recordId: null,
      summary: 'Ada Lovelace replied',
      data: {},
      now: world.clock.now() + 1,
    });

  it('after signing out', async () => {
    const session = await world.session('eastSeller');
    const stream = await openStream(port, { cookie: session.cookie });
    expect((await world.as('eastSeller', 'POST', '/api/auth/logout')).statusCode).toBe(204);
    await notify(USERS.eastSeller.id);
    expect(await stream.ended).not.toContain('event: notification');
  });

  it('after the API token is revoked', async () => {
    const created = await world.as('eastSeller', 'POST', '/api/tokens', { name: 'Feed', scopes: ['read'] });
    const { id, token } = created.json() as { id: string; token: string };
    const stream = await openStream(port, { authorization: `Bearer ${token}` });
    expect((await world.as('eastSeller', 'DELETE', `/api/tokens/${id}`)).statusCode).toBe(204);
    await notify(USERS.eastSeller.id);
    expect(await stream.ended).not.toContain('event: notification');
  });

  it('after the user is deactivated (token stream)', async () => {
    const created = await world.as('eastSeller', 'POST', '/api/tokens', { name: 'Feed', scopes: ['read'] });
    const { token } = created.json() as { token: string };
    const stream = await openStream(port, { authorization: `Bearer ${token}` });
    const deactivated = await world.as('eastAdmin', 'PATCH', `/api/admin/users/${USERS.eastSeller.id}`, {
      active: false,
    });
    expect(deactivated.statusCode).toBe(200);
    await notify(USERS.eastSeller.id);
    expect(await stream.ended).not.toContain('event: notification');
  });
});
