import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { openUrl, unsubscribeUrl } from '../../src/mail/tracking.ts';
import { queueEmail, seedSequence } from '../mail/mail-fixtures.ts';
import { createWorld, ORG_ID } from '../support/world.ts';

const KEY = testConfig().secretKey;
const path = (url: string) => new URL(url).pathname;

function directives(csp: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of (csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name, values.join(' '));
  }
  return map;
}

describe('security headers', () => {
  it('forbid inline script and framing, stop sniffing and referrers; no HSTS on plain http', async () => {
    const world = await createWorld('sqlite');
    try {
      for (const url of ['/', '/api/health', '/api/no-such-route', '/worklist']) {
        const response = await world.app.inject({ method: 'GET', url });
        const csp = directives(response.headers['content-security-policy'] as string | undefined);
        expect(csp.get('script-src'), url).toBe("'self'");
        expect(csp.get('script-src-attr')).toBe("'none'");
        expect(csp.get('default-src')).toBe("'self'");
        expect(csp.get('object-src')).toBe("'none'");
        expect(csp.get('frame-ancestors')).toBe("'none'");
        expect(csp.has('upgrade-insecure-requests')).toBe(false);
        expect(response.headers['x-frame-options']).toBe('DENY');
        expect(response.headers['x-content-type-options']).toBe('nosniff');
        expect(response.headers['referrer-policy']).toBe('no-referrer');
        expect(response.headers['strict-transport-security']).toBeUndefined();
      }
    } finally {
      await world.close();
    }
  });

  it('send HSTS when PUBLIC_URL is https', async () => {
    const world = await createWorld('sqlite', { config: { publicUrl: 'https://sales.example.com' } });
    try {
      const response = await world.app.inject({ method: 'GET', url: '/api/health' });
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000');
      expect(
        directives(response.headers['content-security-policy'] as string).has('upgrade-insecure-requests'),
      ).toBe(true);
    } finally {
      await world.close();
    }
  });

  it('keep the open pixel loadable by mail clients and the unsubscribe page working', async () => {
    const world = await createWorld('sqlite');
    try {
      const scenario = await seedSequence(world.store, world.clock.now());
      const email = await queueEmail(world.store, scenario, world.clock.now());
      const ref = { orgId: ORG_ID, messageId: email.outboundId };
      const pixel = await world.app.inject({ method: 'GET', url: path(openUrl('http://x', KEY, ref)) });
      expect(pixel.statusCode).toBe(200);
      expect(pixel.headers['content-type']).toBe('image/gif');
      expect(pixel.headers['cross-origin-resource-policy']).toBe('cross-origin');

      const unsubscribe = path(unsubscribeUrl('http://x', KEY, ref));
      const page = await world.app.inject({ method: 'GET', url: unsubscribe });
      expect(page.statusCode).toBe(200);
      // The page's form posts back to us, which form-action 'self' allows; it has no script at all.
      expect(page.body).toContain(`<form method="post" action="/u/`);
      expect(page.body).not.toContain('<script');
      expect(directives(page.headers['content-security-policy'] as string).get('form-action')).toBe("'self'");
      const done = await world.app.inject({ method: 'POST', url: unsubscribe, payload: { confirm: 'yes' } });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain('You are unsubscribed');
    } finally {
      await world.close();
    }
  });
});
