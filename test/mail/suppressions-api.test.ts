import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSuppression } from '../../src/store/repos/suppressions-repo.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';

describe.each(dialects)('the suppression list API on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(async () => {
    await world.close();
  });

  it('lets admins list, search, page, export, add and remove; others may not', async () => {
    for (const [i, address] of ['one@bounced.test', 'two@bounced.test', 'three@other.test'].entries()) {
      await addSuppression(world.store.db, {
        orgId: ORG_ID,
        address,
        reason: 'hard_bounce',
        detail: '5.1.1 userunknown: 550 User unknown',
        outboundMessageId: `msg-${i}`,
        createdBy: null,
        now: world.clock.now() + i,
      });
    }
    const forbidden = await world.as('eastSeller', 'GET', '/api/suppressions');
    expect(forbidden.statusCode).toBe(403);

    const first = await world.as('eastAdmin', 'GET', '/api/suppressions?limit=2');
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((s: { address: string }) => s.address)).toEqual([
      'three@other.test',
      'two@bounced.test',
    ]);
    const next = await world.as(
      'eastAdmin',
      'GET',
      `/api/suppressions?limit=2&cursor=${first.json().nextCursor}`,
    );
    expect(next.json()).toMatchObject({
      items: [{ address: 'one@bounced.test', reason: 'hard_bounce' }],
      nextCursor: null,
    });
    const search = await world.as('eastAdmin', 'GET', '/api/suppressions?search=BOUNCED');
    expect(search.json().items).toHaveLength(2);

    const added = await world.as('eastAdmin', 'POST', '/api/suppressions', {
      address: 'Manual@Example.test',
      note: 'asked us by phone',
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({
      address: 'manual@example.test',
      reason: 'manual',
      detail: 'asked us by phone',
    });
    const again = await world.as('eastAdmin', 'POST', '/api/suppressions', {
      address: 'manual@example.test',
    });
    expect(again.statusCode).toBe(200);

    const csv = await world.as('eastAdmin', 'GET', '/api/suppressions/export');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('address,reason,detail,outbound_message_id,created_at');
    expect(lines).toHaveLength(5);
    expect(csv.body).toContain('one@bounced.test,hard_bounce');

    const removed = await world.as('eastAdmin', 'DELETE', '/api/suppressions/ONE%40bounced.test');
    expect(removed.statusCode).toBe(204);
    const missing = await world.as('eastAdmin', 'DELETE', '/api/suppressions/one%40bounced.test');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not_suppressed');
    const audit = await world.store.db
      .selectFrom('audit_log')
      .select('action')
      .where('org_id', '=', ORG_ID)
      .where('resource_type', '=', 'suppression')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['suppression.add', 'suppression.remove']);
  });
});
