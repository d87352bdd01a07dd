import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECONNECT_HOLD_REASON } from '../../src/domain/oauth-mail-presets.ts';
import type { Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import { insertOutboundMessage } from '../../src/store/mail/insert-outbound-message.ts';
import {
  claimPendingState,
  insertMailboxOauth,
  markReconnectNeeded,
  reconnectNeededOf,
  setPendingState,
} from '../../src/store/repos/mailbox-oauth-repo.ts';
import { insertMailbox } from '../../src/store/repos/mailbox-repo.ts';
import {
  applyOauthAppToMailboxes,
  countMailboxesOfApp,
  deleteOauthApp,
  findOauthApp,
  listOauthApps,
  type OauthAppRow,
  saveOauthApp,
} from '../../src/store/repos/oauth-apps-repo.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld, USERS } from '../support/world.ts';

const T0 = Date.UTC(2026, 10, 2, 9);
const SELLER = USERS.eastSeller.id;

const app = (change: Partial<OauthAppRow> = {}): OauthAppRow => ({
  org_id: ORG_ID,
  preset: 'microsoft',
  label: 'Microsoft 365',
  client_id: 'client-1',
  client_secret_enc: 'enc-1',
  tenant: 'contoso.onmicrosoft.com',
  issuer: null,
  scopes: null,
  smtp_host: null,
  smtp_port: null,
  smtp_secure: null,
  imap_host: null,
  imap_port: null,
  imap_secure: null,
  allowed_for_sellers: 1,
  created_at: T0,
  updated_at: T0,
  ...change,
});

async function oauthMailbox(store: Store) {
  const mailbox = await insertMailbox(
    store.db,
    ORG_ID,
    {
      user_id: SELLER,
      kind: 'smtp',
      from_name: null,
      from_address: 'sam@contoso.test',
      smtp_host: 'smtp.office365.com',
      smtp_port: 587,
      smtp_secure: 0,
      smtp_user: 'sam@contoso.test',
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
    T0,
  );
  await insertMailboxOauth(store.db, {
    org_id: ORG_ID,
    mailbox_id: mailbox.id,
    preset: 'microsoft',
    issuer: 'https://login.microsoftonline.com/x/v2.0',
    authorization_endpoint: 'https://login.microsoftonline.com/x/oauth2/v2.0/authorize',
    token_endpoint: 'https://login.microsoftonline.com/x/oauth2/v2.0/token',
    scopes: 'offline_access',
    client_id: 'client-1',
    client_secret_enc: 'enc-1',
    refresh_token_enc: 'r',
    access_token_enc: 'a',
    access_expires_at: T0,
    status: 'connected',
    status_reason: null,
    created_at: T0,
    updated_at: T0,
    pending_state_hash: null,
  });
  return mailbox.id;
}

describe.each(dialects)('OAuth app and mailbox-OAuth store modules on %s', (dialect) => {
  let store: Store;
  beforeEach(async () => {
    store = await freshStore(dialect);
    await seedWorld(store, T0);
  });
  afterEach(() => store.close());

  it('saves one registration per provider kind, replaces it, pushes changes to its mailboxes, deletes it', async () => {
    await saveOauthApp(store.db, app());
    await saveOauthApp(store.db, app({ preset: 'google', label: 'Google', tenant: null }));
    await saveOauthApp(store.db, app({ client_id: 'client-2', updated_at: T0 + 1, created_at: T0 + 1 }));
    expect((await listOauthApps(store.db, ORG_ID)).map((a) => [a.preset, a.client_id])).toEqual([
      ['google', 'client-1'],
      ['microsoft', 'client-2'],
    ]);
    // Replacing keeps the first creation time.
    expect(await findOauthApp(store.db, ORG_ID, 'microsoft')).toMatchObject({
      created_at: T0,
      updated_at: T0 + 1,
    });
    expect(await findOauthApp(store.db, 'org-2', 'microsoft')).toBeUndefined();

    const mailboxId = await oauthMailbox(store);
    expect(await countMailboxesOfApp(store.db, ORG_ID, 'microsoft')).toBe(1);
    expect(await countMailboxesOfApp(store.db, ORG_ID, 'google')).toBe(0);
    await applyOauthAppToMailboxes(
      store.db,
      ORG_ID,
      'microsoft',
      {
        client_id: 'client-2',
        client_secret_enc: 'enc-2',
        issuer: 'i',
        authorization_endpoint: 'a',
        token_endpoint: 't',
        scopes: 's',
      },
      T0 + 5,
    );
    const row = await store.db
      .selectFrom('mailbox_oauth')
      .selectAll()
      .where('mailbox_id', '=', mailboxId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ client_id: 'client-2', client_secret_enc: 'enc-2', refresh_token_enc: 'r' });
    await deleteOauthApp(store.db, ORG_ID, 'google');
    expect((await listOauthApps(store.db, ORG_ID)).map((a) => a.preset)).toEqual(['microsoft']);
  });

  it('a started state is claimed once; a second claim (a replay) or another state loses', async () => {
    const mailboxId = await oauthMailbox(store);
    const key = { orgId: ORG_ID, mailboxId };
    expect(await claimPendingState(store.db, key, 'h1')).toBe(false);
    await setPendingState(store.db, key, 'h1');
    expect(await claimPendingState(store.db, key, 'other')).toBe(false);
    const both = await Promise.all([
      claimPendingState(store.db, key, 'h1'),
      claimPendingState(store.db, key, 'h1'),
    ]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await claimPendingState(store.db, key, 'h1')).toBe(false);
  });

  it('lists a user’s mailboxes that need reconnecting with the number of emails held for it', async () => {
    const mailboxId = await oauthMailbox(store);
    expect(await reconnectNeededOf(store.db, ORG_ID, SELLER, RECONNECT_HOLD_REASON)).toEqual([]);
    await markReconnectNeeded(store.db, { orgId: ORG_ID, mailboxId }, 'invalid_grant', T0);
    for (const reason of [RECONNECT_HOLD_REASON, RECONNECT_HOLD_REASON, 'missing_field']) {
      const id = newId(T0);
      await insertOutboundMessage(store.db, {
        org_id: ORG_ID,
        id,
        connection_id: null,
        step_instance_id: null,
        record_id: null,
        sender_user_id: SELLER,
        to_address: 'ada@example.com',
        subject: 'Hello',
        body_html: '<p>Hi</p>',
        body_text: 'Hi',
        message_id: `<${id}@test>`,
        idempotency_key: `test:${id}`,
        status: 'held',
        hold_reason: reason,
        template_id: null,
        variant: null,
        tracking: 0,
        not_before: T0,
        attempts: 0,
        last_error: null,
        lease_owner: null,
        lease_until: null,
        sent_at: null,
        created_at: T0,
        updated_at: T0,
      });
    }
    expect(await reconnectNeededOf(store.db, ORG_ID, SELLER, RECONNECT_HOLD_REASON)).toEqual([
      { mailboxId, fromAddress: 'sam@contoso.test', held: 2 },
    ]);
    expect(await reconnectNeededOf(store.db, ORG_ID, USERS.eastSeller2.id, RECONNECT_HOLD_REASON)).toEqual(
      [],
    );
  });
});
