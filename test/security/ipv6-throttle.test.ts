import { describe, expect, it } from 'vitest';
import { clientKey } from '../../src/api/client-key.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, PASSWORD, signInRequest, USERS, type World } from '../support/world.ts';

/**
 * One IPv6 customer gets a whole /64 (2^64 addresses) from any provider. The per-account sign-in limit counted per
 * address let such a guesser take a fresh address for every ten guesses at one account, so it counts per /64 (as
 * the route limits of @fastify/rate-limit already did).
 */
const login = (world: World, email: string, password: string, remoteAddress: string) =>
  signInRequest(world.app, { email, password }, { remoteAddress });

describe('the rate-limit client key', () => {
  it('is the /64 of an IPv6 address, and the IPv4 address itself (also when IPv4-mapped)', () => {
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:db8:1:2:ffff:ffff:ffff:fffe'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('203.0.113.5')).toBe('203.0.113.5');
    expect(clientKey('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(clientKey('203.0.113.5')).not.toBe(clientKey('203.0.113.6'));
    expect(clientKey('not an address')).toBe('not an address');
  });
});

describe.each(dialects)('sign-in limits from one IPv6 network on %s', (dialect) => {
  it('count guesses at one account from many addresses of one /64 together', async () => {
    const world = await createWorld(dialect);
    try {
      const statuses: number[] = [];
      for (let i = 1; i <= 10; i++) {
        statuses.push(
          (await login(world, USERS.eastSeller.email, 'wrong-password', `2001:db8:7:7::${i.toString(16)}`))
            .statusCode,
        );
      }
      expect(statuses).toEqual(Array(10).fill(401));
      // A new address of the same /64, even with the right password: the account's limit for this network is used up.
      const limited = await login(world, USERS.eastSeller.email, PASSWORD, '2001:db8:7:7:abcd::99');
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ status: 429, code: 'too_many_login_attempts' });
      // Another network is not affected.
      expect((await login(world, USERS.eastSeller.email, PASSWORD, '2001:db8:7:8::1')).statusCode).toBe(200);
    } finally {
      await world.close();
    }
  });
});
