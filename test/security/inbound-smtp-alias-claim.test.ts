import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrg } from '../../src/cli/commands/org-command.ts';
import { addUser } from '../../src/cli/commands/user-command.ts';
import { type InboundSmtpListener, startInboundSmtp } from '../../src/mail/smtp-listener.ts';
import { insertMailbox } from '../../src/store/repos/mailbox-repo.ts';
import { SECRET_KEY } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, signInRequest, USERS, type World } from '../support/world.ts';

/**
 * A mailbox From that is an alias (nobody's sign-in address) receives the inbound SMTP listener's mail for that
 * address in the mailbox's organisation. Two organisations naming the same alias both received it, so the
 * second one read the first one's mail. Rule: an address another organisation already receives at is refused
 * when a mailbox names it (409 `from_address_taken`); an address that two organisations claim anyway (saved
 * before the rule) is delivered to neither.
 */
const OTHER_ADMIN = { email: 'eve@other-org.test', password: 'Quartz-Lantern-Meadow-2931' };
const ALIAS = 'sales@acme-alias.test';
const SMTP = { host: '127.0.0.1', port: 2525, secure: false, user: null };

describe.each(dialects)('inbound SMTP for a mailbox alias claimed in two organisations on %s', (dialect) => {
  let world: World;
  let listener: InboundSmtpListener;
  const warnings: string[] = [];
  beforeEach(async () => {
    world = await createWorld(dialect);
    warnings.length = 0;
    listener = await startInboundSmtp({
      store: world.store,
      clock: world.clock,
      config: { secretKey: SECRET_KEY, inboundSmtp: { port: 0, host: '127.0.0.1', maxBytes: 256 * 1024 } },
      logger: { info: () => {}, warn: (_obj, msg) => warnings.push(msg ?? '') },
    });
  });
  afterEach(async () => {
    await listener.stop();
    await world.close();
  });

  async function otherOrgAdmin() {
    const now = world.clock.now();
    const { orgId } = await createOrg(world.store, { name: 'Other Org' }, now);
    await addUser(
      world.store,
      { ...OTHER_ADMIN, name: 'Eve Admin', roles: ['admin'], businessUnit: 'Other Org', org: orgId },
      now,
    );
    const login = await signInRequest(world.app, OTHER_ADMIN);
    const headers = {
      cookie: `sw_session=${login.cookies.find((c) => c.name === 'sw_session')!.value}`,
      'x-csrf-token': login.json().csrfToken as string,
    };
    return { orgId, headers };
  }

  async function send(subject: string) {
    return nodemailer
      .createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true })
      .sendMail({
        envelope: { from: 'partner@customer.test', to: [ALIAS] },
        raw: `From: partner@customer.test\r\nTo: ${ALIAS}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@customer.test>\r\n\r\nConfidential terms.\r\n`,
      });
  }

  const kept = async (orgId: string) =>
    (
      await world.store.db
        .selectFrom('inbound_messages')
        .select('subject')
        .where('org_id', '=', orgId)
        .execute()
    ).map((row) => row.subject);

  it('refuses the alias to a second organisation, and its mail stays with the first', async () => {
    const ours = await world.as('eastSeller', 'POST', '/api/mailboxes', {
      kind: 'smtp',
      fromAddress: ALIAS,
      smtp: SMTP,
    });
    expect(ours.statusCode, ours.body).toBe(201);
    // A colleague of the same organisation may share it.
    const colleague = await world.as('eastAdmin', 'POST', '/api/mailboxes', {
      userId: USERS.eastSeller2.id,
      kind: 'smtp',
      fromAddress: ALIAS,
      smtp: SMTP,
    });
    expect(colleague.statusCode, colleague.body).toBe(201);

    const eve = await otherOrgAdmin();
    const claimed = await world.app.inject({
      method: 'POST',
      url: '/api/mailboxes',
      headers: eve.headers,
      payload: { kind: 'smtp', fromAddress: ALIAS.toUpperCase(), smtp: SMTP },
    });
    expect(claimed.statusCode, claimed.body).toBe(409);
    expect(claimed.json()).toMatchObject({ code: 'from_address_taken' });
    expect(claimed.json().problems[0].path).toEqual(['body', 'fromAddress']);

    // Nor by changing the From of a mailbox they have.
    const own = await world.app.inject({
      method: 'POST',
      url: '/api/mailboxes',
      headers: eve.headers,
      payload: { kind: 'smtp', fromAddress: 'eve@other-org.test', smtp: SMTP },
    });
    expect(own.statusCode, own.body).toBe(201);
    const renamed = await world.app.inject({
      method: 'PATCH',
      url: `/api/mailboxes/${own.json().id}`,
      headers: eve.headers,
      payload: { fromAddress: ALIAS },
    });
    expect(renamed.statusCode, renamed.body).toBe(409);
    expect(renamed.json()).toMatchObject({ code: 'from_address_taken' });

    // The operator's command refuses it too.
    await expect(
      addUser(
        world.store,
        { email: ALIAS, name: 'Sales Inbox', roles: ['seller'], businessUnit: 'Other Org', org: eve.orgId },
        world.clock.now(),
      ),
    ).rejects.toThrow(/Another organisation receives mail at/);
    // Nor by connecting an OAuth mailbox with it.
    const app = await world.app.inject({
      method: 'PUT',
      url: '/api/admin/oauth-apps',
      headers: eve.headers,
      payload: {
        preset: 'google',
        clientId: 'client-id',
        clientSecret: 'client-secret',
        allowedForSellers: true,
      },
    });
    expect(app.statusCode, app.body).toBeLessThan(300);
    await world.app.inject({
      method: 'DELETE',
      url: `/api/mailboxes/${own.json().id}`,
      headers: eve.headers,
    });
    const oauth = await world.app.inject({
      method: 'POST',
      url: '/api/mailboxes/oauth',
      headers: eve.headers,
      payload: { preset: 'google', fromAddress: ALIAS },
    });
    expect(oauth.statusCode, oauth.body).toBe(409);
    expect(oauth.json()).toMatchObject({ code: 'from_address_taken' });

    await send('Contract draft');
    expect(await kept(ORG_ID)).toEqual(['Contract draft']);
    expect(await kept(eve.orgId)).toEqual([]);
  });

  it('delivers an alias claimed in two organisations before the rule to neither of them', async () => {
    const ours = await world.as('eastSeller', 'POST', '/api/mailboxes', {
      kind: 'smtp',
      fromAddress: ALIAS,
      smtp: SMTP,
    });
    expect(ours.statusCode, ours.body).toBe(201);
    const eve = await otherOrgAdmin();
    // As a deployment may hold it from before the rule: the other organisation's relay names the same alias.
    await insertMailbox(
      world.store.db,
      eve.orgId,
      {
        user_id: null,
        kind: 'smtp',
        from_name: null,
        from_address: ALIAS,
        smtp_host: '127.0.0.1',
        smtp_port: 2525,
        smtp_secure: 0,
        smtp_user: null,
        smtp_secret_enc: null,
        daily_limit: null,
        hourly_limit: null,
        min_spacing_seconds: null,
        imap_host: null,
        imap_port: null,
        imap_secure: 1,
        imap_user: null,
        imap_secret_enc: null,
        imap_last_uid: null,
        imap_last_error: null,
      },
      world.clock.now(),
    );

    await expect(send('Contract draft')).rejects.toThrow(/550/);
    expect(await kept(ORG_ID)).toEqual([]);
    expect(await kept(eve.orgId)).toEqual([]);
    expect(warnings.join('\n')).toMatch(/more than one organisation/);
    // Our mailbox can still be edited meanwhile (its From is checked only when it changes).
    const edited = await world.as('eastSeller', 'PATCH', `/api/mailboxes/${ours.json().id}`, {
      fromName: 'Sales',
      fromAddress: ALIAS,
    });
    expect(edited.statusCode, edited.body).toBe(200);
  });

  it("never gives our alias's mail to an organisation that made it a user's sign-in address", async () => {
    const ours = await world.as('eastSeller', 'POST', '/api/mailboxes', {
      kind: 'smtp',
      fromAddress: ALIAS,
      smtp: SMTP,
    });
    expect(ours.statusCode, ours.body).toBe(201);
    const eve = await otherOrgAdmin();
    const units = await world.app.inject({
      method: 'GET',
      url: '/api/admin/business-units',
      headers: eve.headers,
    });
    const user = await world.app.inject({
      method: 'POST',
      url: '/api/admin/users',
      headers: eve.headers,
      payload: {
        email: ALIAS,
        name: 'Sales Inbox',
        roles: ['seller'],
        businessUnitId: units.json().items[0].id,
        password: 'Harbour-Violet-Compass-8812',
      },
    });
    // Refused: the address receives mail for another organisation (as a taken sign-in address is refused).
    expect(user.statusCode, user.body).toBe(409);
    expect(user.json()).toMatchObject({ code: 'email_taken' });
    // The operator's command refuses it too.
    await expect(
      addUser(
        world.store,
        { email: ALIAS, name: 'Sales Inbox', roles: ['seller'], businessUnit: 'Other Org', org: eve.orgId },
        world.clock.now(),
      ),
    ).rejects.toThrow(/Another organisation receives mail at/);
    await send('Contract draft');
    expect(await kept(ORG_ID)).toEqual(['Contract draft']);
    expect(await kept(eve.orgId)).toEqual([]);
  });
});
