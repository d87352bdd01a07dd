import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrg } from '../../src/cli/commands/org-command.ts';
import { addUser } from '../../src/cli/commands/user-command.ts';
import { processInboundMime } from '../../src/mail/inbound.ts';
import { deriveKey } from '../../src/mail/secrets.ts';
import { buildRawMessage } from '../../src/mail/transport.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  inboundSecretFor,
  type LoopbackSmtp,
  queueEmail,
  SECRET_KEY,
  SELLER,
  seedSequence,
  startSmtp,
} from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, signInRequest, USERS, type World } from '../support/world.ts';

/**
 * Issue 20, item 3: forged replies and bounces across organisations. Another organisation's admin (with their own
 * inbound credential or their session), the old deployment-wide secret, and a seller's own mailbox (IMAP or a
 * mailbox credential) must not be able to mark someone else's email replied or bounced.
 */
const OTHER_ADMIN = { email: 'eve@other-org.test', password: 'Quartz-Lantern-Meadow-2931' };

describe.each(dialects)('inbound mail is scoped to its organisation on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let sentMessageId: string;
  let outboundId: string;

  beforeEach(async () => {
    world = await createWorld(dialect);
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
    const scenario = await seedSequence(world.store, world.clock.now());
    outboundId = (await queueEmail(world.store, scenario, world.clock.now(), { email: 'ada@customer.test' }))
      .outboundId;
    const delivery = deliveryFor(world.store, world.clock);
    await delivery.drain();
    delivery.close();
    const sent = await world.store.db
      .selectFrom('outbound_messages')
      .select(['message_id', 'status'])
      .where('id', '=', outboundId)
      .executeTakeFirstOrThrow();
    expect(sent.status).toBe('sent');
    sentMessageId = sent.message_id;
  });
  afterEach(async () => {
    await smtp.close();
    await world.close();
  });

  const replyTo = async (messageId: string, tag: string) =>
    buildRawMessage({
      from: 'ada@customer.test',
      to: 'sam@seller.test',
      subject: 'Re: hello',
      text: 'Yes please',
      messageId: `<forged-${tag}@attacker.test>`,
      inReplyTo: messageId,
      references: [messageId],
    });

  const post = (raw: Buffer, headers: Record<string, string>) =>
    world.app.inject({
      method: 'POST',
      url: '/api/inbound/mime',
      headers: { 'content-type': 'message/rfc822', ...headers },
      payload: raw,
    });

  const engagements = async () =>
    (
      await world.store.db
        .selectFrom('engagement_events')
        .select('type')
        .where('org_id', '=', ORG_ID)
        .where('outbound_message_id', '=', outboundId)
        .execute()
    ).map((row) => row.type);

  async function otherOrgAdminSession(): Promise<{ cookie: string; csrf: string }> {
    const now = world.clock.now();
    const { orgId } = await createOrg(world.store, { name: 'Other Org' }, now);
    await addUser(
      world.store,
      { ...OTHER_ADMIN, name: 'Eve Admin', roles: ['admin'], businessUnit: 'Other Org', org: orgId },
      now,
    );
    const login = await signInRequest(world.app, {
      email: OTHER_ADMIN.email,
      password: OTHER_ADMIN.password,
    });
    expect(login.statusCode).toBe(200);
    const cookie = login.cookies.find((c) => c.name === 'sw_session')?.value ?? '';
    return { cookie: `sw_session=${cookie}`, csrf: (login.json() as { csrfToken: string }).csrfToken };
  }

  it("another organisation's credential and admin session cannot reply to or bounce our email", async () => {
    const eve = await otherOrgAdminSession();
    const created = await world.app.inject({
      method: 'POST',
      url: '/api/inbound/credentials',
      headers: { cookie: eve.cookie, 'x-csrf-token': eve.csrf },
      payload: { label: 'attacker pipe' },
    });
    expect(created.statusCode).toBe(201);
    const evilSecret = (created.json() as { secret: string }).secret;

    const withSecret = await post(await replyTo(sentMessageId, 'a'), {
      'x-stepwise-inbound-secret': evilSecret,
    });
    expect(withSecret.json()).toMatchObject({ kind: 'unmatched' });
    const withSession = await post(await replyTo(sentMessageId, 'b'), {
      cookie: eve.cookie,
      'x-csrf-token': eve.csrf,
    });
    expect(withSession.json()).toMatchObject({ kind: 'unmatched' });
    expect(await engagements()).toEqual([]);

    // Our own organisation's credential still works.
    const ours = await post(await replyTo(sentMessageId, 'c'), {
      'x-stepwise-inbound-secret': await inboundSecretFor(world),
    });
    expect(ours.json()).toMatchObject({ kind: 'reply', outboundMessageId: outboundId });
  });

  it('the old deployment-wide secret, a forged or a revoked credential are refused', async () => {
    const legacy = deriveKey(SECRET_KEY, 'inbound-mail').toString('base64url').slice(0, 32);
    for (const secret of [legacy, `swin_${'0'.repeat(32)}_${'A'.repeat(43)}`]) {
      expect(
        (await post(await replyTo(sentMessageId, 'x'), { 'x-stepwise-inbound-secret': secret })).statusCode,
      ).toBe(401);
    }
    const made = await world.as('eastAdmin', 'POST', '/api/inbound/credentials', { label: 'to revoke' });
    const { id, secret } = made.json() as { id: string; secret: string };
    expect((await world.as('eastAdmin', 'DELETE', `/api/inbound/credentials/${id}`)).statusCode).toBe(204);
    expect(
      (await post(await replyTo(sentMessageId, 'y'), { 'x-stepwise-inbound-secret': secret })).statusCode,
    ).toBe(401);
    const listed = await world.as('eastAdmin', 'GET', '/api/inbound/settings');
    expect(JSON.stringify(listed.json())).not.toContain(secret.slice(-20));
    expect(await engagements()).toEqual([]);
  });

  it("a seller's mailbox (IMAP or its credential) only matches that seller's own emails", async () => {
    const westMailbox = await addSmtpMailbox(world.store, USERS.westSeller.id, smtp.port, world.clock.now());
    const westSecret = await inboundSecretFor(world, westMailbox.id);
    const viaOtherMailbox = await post(await replyTo(sentMessageId, 'm'), {
      'x-stepwise-inbound-secret': westSecret,
    });
    expect(viaOtherMailbox.json()).toMatchObject({ kind: 'unmatched' });
    // The IMAP poller hands messages in with the mailbox owner's scope.
    const viaImap = await processInboundMime(world, await replyTo(sentMessageId, 'i'), {
      orgId: ORG_ID,
      senderUserId: USERS.westSeller.id,
    });
    expect(viaImap).toMatchObject({ kind: 'unmatched' });
    expect(await engagements()).toEqual([]);
    const ownImap = await processInboundMime(world, await replyTo(sentMessageId, 'o'), {
      orgId: ORG_ID,
      senderUserId: SELLER,
    });
    expect(ownImap).toMatchObject({ kind: 'reply', outboundMessageId: outboundId });
  });
});
