import { describe, expect, it } from 'vitest';
import { newId } from '../../src/store/ids.ts';
import { insertRecord } from '../connections/helpers.ts';
import { dialects } from '../support/databases.ts';
import { outboundMessageRow } from '../support/outbound-rows.ts';
import { createWorld, ORG_ID } from '../support/world.ts';

/**
 * A held email whose content is already final — a reply in a conversation (the prospect's subject, their message
 * quoted) or an email a seller wrote, held for example while their OAuth mailbox needs reconnecting — is data. The
 * web app edits every held email in the template composer and releases it with `format: "template"`; final content
 * must not be rendered then, or the prospect's quoted text becomes template source that reads the seller's and the
 * record's values into the email.
 */
const SUBJECT = 'Re: call me {{ record.phone_mobile }}';
const HTML = '<p>Sure, talk soon.</p><blockquote><p>Write to {{ owner.email }} {% if x %}</p></blockquote>';

describe.each(dialects)('releasing a held final email on %s', (dialect) => {
  it('keeps its text as written in the preview and in what is sent', async () => {
    const world = await createWorld(dialect);
    try {
      const now = world.clock.now();
      const recordId = await insertRecord(world, {
        email: 'ada@customer.test',
        phone_mobile: '+48 600 100 200',
      });
      const id = newId(now);
      await world.store.db
        .insertInto('outbound_messages')
        .values(
          outboundMessageRow(id, now, {
            record_id: recordId,
            to_address: 'ada@customer.test',
            subject: SUBJECT,
            body_html: HTML,
            status: 'held',
            hold_reason: 'Reconnect your mailbox to send',
          }),
        )
        .execute();

      const draft = await world.as('eastSeller', 'GET', `/api/outbox/${id}/draft`);
      expect(draft.json().source).toEqual({ subject: SUBJECT, html: HTML });
      // What the held-email composer does with it: preview, then release as "template".
      const preview = await world.as(
        'eastSeller',
        'POST',
        `/api/outbox/${id}/draft/preview`,
        draft.json().source,
      );
      expect(preview.json()).toMatchObject({ subject: SUBJECT, missing: [], errors: [] });
      expect(preview.json().html).toContain('{{ owner.email }}');
      const released = await world.as('eastSeller', 'POST', `/api/outbox/${id}/release`, {
        ...draft.json().source,
        format: 'template',
      });
      expect(released.statusCode, released.body).toBe(200);
      const row = await world.store.db
        .selectFrom('outbound_messages')
        .select(['subject', 'body_html', 'status'])
        .where('org_id', '=', ORG_ID)
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('queued');
      expect(row.subject).toBe(SUBJECT);
      expect(row.body_html).toContain('{{ owner.email }}');
      expect(`${row.subject}${row.body_html}`).not.toMatch(/600 100 200|east\.seller@example\.com/);
    } finally {
      await world.close();
    }
  });
});
