import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { unsubscribeUrl } from '../../src/mail/tracking.ts';
import { newId } from '../../src/store/ids.ts';
import { outboundMessageRow } from '../support/outbound-rows.ts';
import { createWorld, ORG_ID } from '../support/world.ts';

/**
 * The unsubscribe page names the (masked) address the email went to. A reply in a conversation goes to the From of
 * the prospect's message, which is whatever they wrote there, so the address is text on the page, never markup.
 */
describe('the unsubscribe page', () => {
  it('shows the address it names as text', async () => {
    const world = await createWorld('sqlite');
    try {
      const now = world.clock.now();
      const id = newId(now);
      await world.store.db
        .insertInto('outbound_messages')
        .values(
          outboundMessageRow(id, now, {
            to_address: 'ada@customer.test<b>Confirm at evil.test</b>',
            status: 'sent',
          }),
        )
        .execute();
      const url = new URL(
        unsubscribeUrl('http://x', testConfig().secretKey, { orgId: ORG_ID, messageId: id }),
      );
      const page = await world.app.inject({ method: 'GET', url: url.pathname });
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('<b>Confirm at evil.test</b>');
      expect(page.body).toContain('ad•@customer.test&#60;b&#62;Confirm at evil.test&#60;/b&#62;');
    } finally {
      await world.close();
    }
  });
});
