import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrg } from '../../src/cli/commands/org-command.ts';
import { addUser } from '../../src/cli/commands/user-command.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { type InboundSmtpListener, startInboundSmtp } from '../../src/mail/smtp-listener.ts';
import { SECRET_KEY } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, signInRequest, USERS, type World } from '../support/world.ts';

/**
 * The inbound SMTP listener gives mail to whoever sends with the recipient address. A mailbox's From is typed by
 * its owner, so another organisation's admin could name our seller's sign-in address as their mailbox's From —
 * and every message to our seller that reached the listener was then also kept in THEIR inbound log, source and
 * all (`GET /api/inbound/messages/:id`). A sign-in address belongs to its user's organisation only.
 */
const OTHER_ADMIN = { email: 'eve@other-org.test', password: 'Quartz-Lantern-Meadow-2931' };

describe.each(dialects)('inbound SMTP for a seller address claimed elsewhere on %s', (dialect) => {
  let world: World;
  let listener: InboundSmtpListener;
  beforeEach(async () => {
    world = await createWorld(dialect);
    listener = await startInboundSmtp({
      store: world.store,
      clock: world.clock,
      config: { secretKey: SECRET_KEY, inboundSmtp: { port: 0, host: '127.0.0.1', maxBytes: 256 * 1024 } },
      logger: silentLogger,
    });
  });
  afterEach(async () => {
    await listener.stop();
    await world.close();
  });

  it("another organisation's mailbox naming our seller's address as From gets none of their mail", async () => {
    const now = world.clock.now();
    const { orgId: otherOrg } = await createOrg(world.store, { name: 'Other Org' }, now);
    await addUser(
      world.store,
      { ...OTHER_ADMIN, name: 'Eve Admin', roles: ['admin'], businessUnit: 'Other Org', org: otherOrg },
      now,
    );
    const login = await signInRequest(world.app, OTHER_ADMIN);
    const eve = {
      cookie: `sw_session=${login.cookies.find((c) => c.name === 'sw_session')!.value}`,
      'x-csrf-token': login.json().csrfToken as string,
    };
    const claimed = await world.app.inject({
      method: 'POST',
      url: '/api/mailboxes',
      headers: eve,
      payload: {
        kind: 'smtp',
        fromAddress: USERS.eastSeller.email,
        smtp: { host: '127.0.0.1', port: 2525, secure: false, user: null },
      },
    });
    // Refused now (one address, one organisation; inbound-smtp-alias-claim.test.ts has the rest).
    expect(claimed.statusCode, claimed.body).toBe(409);
    expect(claimed.json()).toMatchObject({ code: 'from_address_taken' });

    await nodemailer
      .createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true })
      .sendMail({
        envelope: { from: 'partner@customer.test', to: [USERS.eastSeller.email] },
        raw: `From: partner@customer.test\r\nTo: ${USERS.eastSeller.email}\r\nSubject: Contract draft\r\nMessage-ID: <contract-1@customer.test>\r\n\r\nConfidential terms.\r\n`,
      });

    const kept = async (orgId: string) =>
      (
        await world.store.db
          .selectFrom('inbound_messages')
          .select('subject')
          .where('org_id', '=', orgId)
          .execute()
      ).map((row) => row.subject);
    expect(await kept(ORG_ID)).toEqual(['Contract draft']);
    expect(await kept(otherOrg)).toEqual([]);
    const listed = await world.app.inject({ method: 'GET', url: '/api/inbound/messages', headers: eve });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain('Contract draft');
  });
});
