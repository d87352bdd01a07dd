import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { insertRecord, T0 } from '../engine/engine-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, USERS, type World } from '../support/world.ts';
import { addSmtpMailbox, deliveryFor, type LoopbackSmtp, SELLER, startSmtp } from './mail-fixtures.ts';

/** The template editor's tools: copy, delete with the sequences' permissions, tags, and "send me a test". */
describe.each(dialects)('email template tools on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let mail: MailDelivery;
  beforeEach(async () => {
    world = await createWorld(dialect);
    world.clock.set(T0);
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, T0);
    mail = deliveryFor(world.store, world.clock);
  });
  afterEach(async () => {
    mail.close();
    await smtp.close();
    await world.close();
  });

  async function create(user: 'eastSeller' | 'eastSeller2', name: string) {
    const created = await world.as(user, 'POST', '/api/email-templates', {
      name,
      language: 'en',
      subject: 'Hello {{ record.first_name | default: "there" }}',
      bodyHtml: '<p>Hi {{ record.first_name | default: "there" }}, about {{ record.company }}.</p>',
    });
    expect(created.statusCode).toBe(201);
    return created.json().id as string;
  }

  it('copies a template with its tags; deleting follows the sequences’ permissions', async () => {
    const original = await create('eastSeller2', 'Intro');
    expect(
      (
        await world.as('eastSeller2', 'PUT', `/api/email-templates/${original}/tags`, {
          tags: ['intro', 'q4'],
        })
      ).statusCode,
    ).toBe(200);
    // A colleague may not tag, edit or delete it, but may copy it: the copy is theirs.
    expect(
      (await world.as('eastSeller', 'PUT', `/api/email-templates/${original}/tags`, { tags: ['x'] }))
        .statusCode,
    ).toBe(403);
    expect((await world.as('eastSeller', 'DELETE', `/api/email-templates/${original}`)).statusCode).toBe(403);
    const copy = await world.as('eastSeller', 'POST', `/api/email-templates/${original}/copy`);
    expect(copy.statusCode).toBe(201);
    expect(copy.json()).toMatchObject({
      name: 'Copy of Intro',
      ownerId: USERS.eastSeller.id,
      builtin: false,
    });
    const tags = (await world.as('eastSeller', 'GET', '/api/email-templates/tags')).json().tags;
    expect(tags[copy.json().id]).toEqual(['intro', 'q4']);
    expect(tags[original]).toEqual(['intro', 'q4']);
    expect(
      (await world.as('eastSeller', 'DELETE', `/api/email-templates/${copy.json().id}`)).statusCode,
    ).toBe(204);
    expect((await world.as('eastSeqManager', 'DELETE', `/api/email-templates/${original}`)).statusCode).toBe(
      204,
    );
    expect((await world.as('eastSeller', 'POST', `/api/email-templates/${original}/copy`)).statusCode).toBe(
      404,
    );
  });

  it('send me a test: the template rendered for the record arrives at my own address over SMTP', async () => {
    await world.as('eastSeller', 'PUT', '/api/me/signature', { html: '<p>Sam</p>' });
    const id = await create('eastSeller', 'Intro');
    const recordId = await insertRecord(world.store, {
      first_name: 'Ada',
      company: 'Engines Ltd',
      owner_id: SELLER,
    });
    const noCompany = await insertRecord(world.store, { first_name: 'Bo', company: null, owner_id: SELLER });
    const held = await world.as('eastSeller', 'POST', `/api/email-templates/${id}/test`, {
      recordId: noCompany,
    });
    expect(held.statusCode).toBe(422);
    expect(held.json().detail).toContain('record.company');
    const sent = await world.as('eastSeller', 'POST', `/api/email-templates/${id}/test`, { recordId });
    expect(sent.statusCode).toBe(202);
    expect(sent.json().to).toBe(USERS.eastSeller.email);
    await mail.drain();
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.to).toEqual([USERS.eastSeller.email]);
    const message = await simpleParser(smtp.received[0]!.raw);
    expect(message.subject).toBe('[Test] Hello Ada');
    expect(String(message.html)).toBe('<p>Hi Ada, about Engines Ltd.</p><p>Sam</p>');
  });
});
