import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/api/log-redaction.ts';
import { createWorld } from '../support/world.ts';

/** Collects the JSON log lines the server writes. */
function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, text: () => lines.join('\n'), lines };
}

describe('secrets stay out of the logs', () => {
  it('logs a request with ?secret=, a bearer token and a session cookie without any of them', async () => {
    const logs = captureLogs();
    const world = await createWorld('sqlite', { config: { logLevel: 'info' }, logStream: logs.stream });
    try {
      const response = await world.app.inject({
        method: 'POST',
        url: '/api/inbound/mime?secret=hunter2-inbound-secret&x=1',
        headers: {
          'content-type': 'message/rfc822',
          authorization: 'Bearer swt_leaked-token-value',
          cookie: 'sw_session=leaked-cookie-value',
          'x-stepwise-inbound-secret': 'leaked-header-secret',
        },
        payload: 'Subject: hi\r\n\r\nhello',
      });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      // Anything that logs a request's headers or a body with credentials is redacted too.
      world.app.log.info(
        {
          req: { headers: { authorization: 'Bearer swt_leaked-token-value', cookie: 'sw_session=x' } },
          body: { password: 'leaked-password', newPassword: 'leaked-password-2' },
          token: 'swt_leaked-token-value',
        },
        'handler log',
      );
      const text = logs.text();
      expect(text).toContain('/api/inbound/mime?secret=[redacted]&x=1');
      for (const secret of [
        'hunter2',
        'leaked-token-value',
        'leaked-cookie-value',
        'leaked-header-secret',
        'leaked-password',
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(logs.lines.length).toBeGreaterThanOrEqual(3);
    } finally {
      await world.close();
    }
  });

  it('redacts secret query parameters whatever their case or encoding', () => {
    expect(redactUrl('/a?Secret=x')).toBe('/a?Secret=[redacted]');
    expect(redactUrl('/a?%73ecret=x&b=2')).toBe('/a?%73ecret=[redacted]&b=2');
    expect(redactUrl('/a?token=x&token=y')).toBe('/a?token=[redacted]&token=[redacted]');
    expect(redactUrl('/a?limit=5')).toBe('/a?limit=5');
    expect(redactUrl('/plain')).toBe('/plain');
  });
});
