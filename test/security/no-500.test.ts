import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { createWorld } from '../support/world.ts';

describe.each(dialects)('requests that used to answer 500 on %s (issue 20 item 12)', (dialect) => {
  it('deleting a parent tag whose child has its name in another case lifts the child (no 500)', async () => {
    const world = await createWorld(dialect);
    try {
      const tag = async (name: string, parentId?: string) => {
        const created = await world.as('eastAdmin', 'POST', '/api/tags', {
          name,
          ...(parentId ? { parentId } : {}),
        });
        expect(created.statusCode, created.body).toBe(201);
        return created.json().id as string;
      };
      const parent = await tag('Region');
      const child = await tag('region', parent);
      const deleted = await world.as('eastAdmin', 'DELETE', `/api/tags/${parent}`);
      expect(deleted.statusCode, deleted.body).toBe(204);
      const tree = (await world.as('eastAdmin', 'GET', '/api/tags')).json();
      expect(JSON.stringify(tree)).toContain(child);
      expect(JSON.stringify(tree)).not.toContain(parent);

      // A real clash (a sibling with the child's name) is a 409 with a code, and nothing changes.
      const top = await tag('Top');
      const nested = await tag('Europe', top);
      await tag('EUROPE');
      const clash = await world.as('eastAdmin', 'DELETE', `/api/tags/${top}`);
      expect(clash.statusCode).toBe(409);
      expect(clash.json().code).toBe('tag_name_conflict');
      expect(JSON.stringify((await world.as('eastAdmin', 'GET', '/api/tags')).json())).toContain(nested);
    } finally {
      await world.close();
    }
  });
});

describe('inbound mail with an oversized header (issue 20 item 12)', () => {
  it('a 1.1 MB MIME header is refused with 413 message_header_too_large', async () => {
    const world = await createWorld('sqlite');
    try {
      const session = await world.session('eastAdmin');
      const raw = `From: a@example.com\r\nSubject: ${'x'.repeat(1_100_000)}\r\n\r\nHello\r\n`;
      const response = await world.app.inject({
        method: 'POST',
        url: '/api/inbound/mime',
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'message/rfc822' },
        payload: raw,
      });
      expect(response.statusCode, response.body.slice(0, 300)).toBe(413);
      expect(response.json().code).toBe('message_header_too_large');
      // An ordinary message still goes through.
      const ok = await world.app.inject({
        method: 'POST',
        url: '/api/inbound/mime',
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'message/rfc822' },
        payload: 'From: a@example.com\r\nSubject: Hi\r\n\r\nHello\r\n',
      });
      expect(ok.statusCode).toBe(200);
    } finally {
      await world.close();
    }
  });
});
