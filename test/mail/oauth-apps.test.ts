import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSecret } from '../../src/mail/secrets.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';
import { SECRET_KEY } from './mail-fixtures.ts';

const MS_SECRET = 'ms-secret-Zq8~v4Lh2QpT9xWe';
const MS_SECRET_2 = 'ms-rotated-Kp3~n7Bf6YsR1uDc';
const GOOGLE_SECRET = 'GOCSPX-google-secret-5tVw0aRj';

/**
 * Organisation-level OAuth app registrations (issue 19): an admin registers Microsoft 365 / Google once;
 * sellers connect with one click, never seeing a client id or secret; the secret is encrypted at rest and never
 * in an API response or a log line. The real provider flow is in oauth-mailbox.test.ts.
 */
describe.each(dialects)('organisation OAuth app registrations (%s)', (dialect) => {
  let world: World;
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });

  beforeAll(async () => {
    world = await createWorld(dialect, { config: { logLevel: 'info' }, logStream });
  });
  afterAll(async () => {
    await world?.close();
  });

  const microsoft = (extra: Record<string, unknown> = {}) => ({
    preset: 'microsoft',
    clientId: '11111111-2222-3333-4444-555555555555',
    clientSecret: MS_SECRET,
    tenant: 'contoso.onmicrosoft.com',
    allowedForSellers: true,
    ...extra,
  });

  it('without a registration a seller cannot connect, and only admins may register', async () => {
    const none = await world.as('eastSeller', 'POST', '/api/mailboxes/oauth', { preset: 'microsoft' });
    expect(none.statusCode).toBe(422);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.json().code).toBe('oauth_app_missing');
    expect((await world.as('eastSeller', 'GET', '/api/mailboxes/oauth/apps')).json().items).toEqual([]);
    const bySeller = await world.as('eastSeller', 'PUT', '/api/admin/oauth-apps', microsoft());
    expect(bySeller.statusCode).toBe(403);
    // The old seller-typed registration is gone: a client id in the seller's body is refused.
    const typed = await world.as('eastSeller', 'POST', '/api/mailboxes/oauth', {
      preset: 'microsoft',
      clientId: 'mine',
      clientSecret: 'mine',
    });
    expect(typed.statusCode).toBe(400);
    // A first registration needs its secret.
    const noSecret = await world.as('eastAdmin', 'PUT', '/api/admin/oauth-apps', {
      ...microsoft(),
      clientSecret: undefined,
    });
    expect(noSecret.statusCode).toBe(400);
    expect(noSecret.json().problems[0].path).toEqual(['body', 'clientSecret']);
  });

  it('an admin registers Microsoft 365 with a tenant and Google; sellers connect with one click', async () => {
    const ms = await world.as('eastAdmin', 'PUT', '/api/admin/oauth-apps', microsoft());
    expect(ms.statusCode, ms.body).toBe(200);
    expect(ms.json()).toMatchObject({
      preset: 'microsoft',
      label: 'Microsoft 365',
      clientSecretSet: true,
      tenant: 'contoso.onmicrosoft.com',
      issuer: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
      redirectUri: expect.stringMatching(/^https?:\/\/[^/]+\/api\/mailboxes\/oauth\/callback$/),
      allowedForSellers: true,
      mailboxes: 0,
    });
    const google = await world.as('eastAdmin', 'PUT', '/api/admin/oauth-apps', {
      preset: 'google',
      clientId: '1234-abc.apps.googleusercontent.com',
      clientSecret: GOOGLE_SECRET,
      allowedForSellers: false,
    });
    expect(google.statusCode, google.body).toBe(200);
    const stored = await world.store.db
      .selectFrom('oauth_apps')
      .selectAll()
      .where('org_id', '=', ORG_ID)
      .where('preset', '=', 'microsoft')
      .executeTakeFirstOrThrow();
    expect(stored.client_secret_enc).not.toContain(MS_SECRET);
    expect(decryptSecret(SECRET_KEY, stored.client_secret_enc)).toBe(MS_SECRET);

    // Sellers see Microsoft only (Google is admins-only); the admin sees both.
    const sellerApps = (await world.as('eastSeller', 'GET', '/api/mailboxes/oauth/apps')).json().items;
    expect(sellerApps).toEqual([{ preset: 'microsoft', label: 'Microsoft 365' }]);
    const adminApps = (await world.as('eastAdmin', 'GET', '/api/mailboxes/oauth/apps')).json().items;
    expect(adminApps.map((a: { preset: string }) => a.preset).sort()).toEqual(['google', 'microsoft']);
    const refused = await world.as('eastSeller2', 'POST', '/api/mailboxes/oauth', { preset: 'google' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('oauth_app_missing');

    // One click: no address, no client fields. The mailbox takes the seller's own address.
    const created = await world.as('eastSeller', 'POST', '/api/mailboxes/oauth', { preset: 'microsoft' });
    expect(created.statusCode, created.body).toBe(201);
    const response = await world.as('eastSeller', 'GET', created.json().startUrl);
    expect(response.statusCode, response.body).toBe(302);
    const url = new URL(String(response.headers.location));
    expect(url.origin + url.pathname).toBe(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize',
    );
    expect(url.searchParams.get('client_id')).toBe('11111111-2222-3333-4444-555555555555');
    expect(url.searchParams.get('scope')).toBe(
      'https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All offline_access',
    );
    expect(url.searchParams.get('login_hint')).toBe(USERS.eastSeller.email);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const mailbox = (await world.as('eastSeller', 'GET', '/api/mailboxes')).json().items[0];
    expect(mailbox.fromAddress).toBe(USERS.eastSeller.email);
    expect(mailbox.smtp).toMatchObject({ host: 'smtp.office365.com', port: 587, secure: false });
    expect(mailbox.imap).toMatchObject({ host: 'outlook.office365.com', port: 993, secure: true });

    // The admin connects through the admins-only Google registration.
    const adminGoogle = await world.as('eastAdmin', 'POST', '/api/mailboxes/oauth', { preset: 'google' });
    expect(adminGoogle.statusCode, adminGoogle.body).toBe(201);
    const googleStart = await world.as('eastAdmin', 'GET', adminGoogle.json().startUrl);
    const googleUrl = new URL(String(googleStart.headers.location));
    expect(googleUrl.origin + googleUrl.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(googleUrl.searchParams.get('scope')).toBe('https://mail.google.com/');
    expect(googleUrl.searchParams.get('access_type')).toBe('offline');
    expect(googleUrl.searchParams.get('prompt')).toBe('consent');

    // Deleting the mailbox deletes its OAuth side (secret and tokens) too.
    const deleted = await world.as('eastAdmin', 'DELETE', `/api/mailboxes/${adminGoogle.json().mailboxId}`);
    expect(deleted.statusCode, deleted.body).toBeLessThan(300);
    const left = await world.store.db
      .selectFrom('mailbox_oauth')
      .select('mailbox_id')
      .where('mailbox_id', '=', adminGoogle.json().mailboxId)
      .execute();
    expect(left).toEqual([]);
  });

  it('rotating the secret reaches connected mailboxes; a registration in use cannot be removed', async () => {
    const rotated = await world.as(
      'eastAdmin',
      'PUT',
      '/api/admin/oauth-apps',
      microsoft({ clientSecret: MS_SECRET_2 }),
    );
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.json().mailboxes).toBe(1);
    const row = await world.store.db
      .selectFrom('mailbox_oauth')
      .selectAll()
      .where('org_id', '=', ORG_ID)
      .where('preset', '=', 'microsoft')
      .executeTakeFirstOrThrow();
    expect(decryptSecret(SECRET_KEY, row.client_secret_enc)).toBe(MS_SECRET_2);
    // A change without the secret keeps it.
    const kept = await world.as('eastAdmin', 'PUT', '/api/admin/oauth-apps', {
      ...microsoft({ allowedForSellers: false }),
      clientSecret: undefined,
    });
    expect(kept.statusCode, kept.body).toBe(200);
    const app = await world.store.db
      .selectFrom('oauth_apps')
      .select('client_secret_enc')
      .where('org_id', '=', ORG_ID)
      .where('preset', '=', 'microsoft')
      .executeTakeFirstOrThrow();
    expect(decryptSecret(SECRET_KEY, app.client_secret_enc)).toBe(MS_SECRET_2);

    const inUse = await world.as('eastAdmin', 'DELETE', '/api/admin/oauth-apps/microsoft');
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().code).toBe('oauth_app_in_use');
    const free = await world.as('eastAdmin', 'DELETE', '/api/admin/oauth-apps/google');
    expect(free.statusCode).toBe(204);
    const audits = await world.store.db
      .selectFrom('audit_log')
      .select(['action', 'after_json'])
      .where('resource_type', '=', 'oauth_app')
      .execute();
    expect(audits.map((a) => a.action).sort()).toEqual([
      'oauth_app.created',
      'oauth_app.created',
      'oauth_app.deleted',
      'oauth_app.updated',
      'oauth_app.updated',
    ]);
  });

  it('no client secret in any admin response, audit entry or log line', async () => {
    const list = await world.as('eastAdmin', 'GET', '/api/admin/oauth-apps');
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toHaveLength(1);
    const audits = await world.store.db
      .selectFrom('audit_log')
      .select(['after_json', 'before_json'])
      .execute();
    const everything = [list.body, JSON.stringify(audits), logs.join('')].join('\n');
    expect(logs.join('').length).toBeGreaterThan(0);
    for (const secret of [MS_SECRET, MS_SECRET_2, GOOGLE_SECRET]) expect(everything).not.toContain(secret);
  });
});
