import argon2 from 'argon2';
import type { LightMyRequestResponse } from 'fastify';
import type { DestinationStream } from 'pino';
import { type ApiApp, buildApp } from '../../src/api/app.ts';
import { type Config, testConfig } from '../../src/config.ts';
import type { Role } from '../../src/domain/identity.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import type { DialectName, Store } from '../../src/store/db.ts';
import { installBuiltinTemplates } from '../../src/store/repos/email-templates-repo.ts';
import { freshStore } from './databases.ts';

/**
 * A small organisation for API tests: business units East (with child East-Enterprise) and West, and users of
 * every role in each. Everybody's password is `password`.
 */
export const PASSWORD = 'password';
let cheapHash: Promise<string> | undefined;
/** Tests use cheap argon2 parameters so a world builds fast; production uses the library defaults. */
export function testPasswordHash(): Promise<string> {
  cheapHash ??= argon2.hash(PASSWORD, { timeCost: 2, memoryCost: 1024, parallelism: 1 });
  return cheapHash;
}

export const ORG_ID = 'org-1';
export const BU = { east: 'bu-east', eastEnterprise: 'bu-east-ent', west: 'bu-west' } as const;

export interface WorldUser {
  id: string;
  email: string;
  roles: Role[];
  businessUnitId: string;
}

export const USERS = {
  eastSeller: {
    id: 'u-east-seller',
    email: 'east.seller@example.com',
    roles: ['seller'],
    businessUnitId: BU.east,
  },
  eastSeller2: {
    id: 'u-east-seller2',
    email: 'east.seller2@example.com',
    roles: ['seller'],
    businessUnitId: BU.east,
  },
  eastEntSeller: {
    id: 'u-east-ent-seller',
    email: 'east.ent.seller@example.com',
    roles: ['seller'],
    businessUnitId: BU.eastEnterprise,
  },
  eastSeqManager: {
    id: 'u-east-seqman',
    email: 'east.seqman@example.com',
    roles: ['sequence_manager'],
    businessUnitId: BU.east,
  },
  eastSalesManager: {
    id: 'u-east-salesman',
    email: 'east.salesman@example.com',
    roles: ['sales_manager'],
    businessUnitId: BU.east,
  },
  eastAdmin: {
    id: 'u-east-admin',
    email: 'east.admin@example.com',
    roles: ['admin'],
    businessUnitId: BU.east,
  },
  westSeller: {
    id: 'u-west-seller',
    email: 'west.seller@example.com',
    roles: ['seller'],
    businessUnitId: BU.west,
  },
  westSeqManager: {
    id: 'u-west-seqman',
    email: 'west.seqman@example.com',
    roles: ['sequence_manager'],
    businessUnitId: BU.west,
  },
} as const satisfies Record<string, WorldUser>;
export type WorldUserKey = keyof typeof USERS;

export async function seedWorld(store: Store, now: number): Promise<void> {
  const hash = await testPasswordHash();
  await store.db
    .insertInto('orgs')
    .values({
      id: ORG_ID,
      name: 'Acme Test',
      settings_json: JSON.stringify({ timeZone: 'Europe/Warsaw' }),
      created_at: now,
    })
    .execute();
  await store.db
    .insertInto('business_units')
    .values([
      { org_id: ORG_ID, id: BU.east, name: 'East', parent_id: null, created_at: now },
      { org_id: ORG_ID, id: BU.eastEnterprise, name: 'East Enterprise', parent_id: BU.east, created_at: now },
      { org_id: ORG_ID, id: BU.west, name: 'West', parent_id: null, created_at: now },
    ])
    .execute();
  // As `stepwise org create` and the seed do: a new organisation starts with the built-in email templates.
  await installBuiltinTemplates(store.db, ORG_ID, now);
  for (const user of Object.values(USERS) as WorldUser[]) {
    await store.db
      .insertInto('users')
      .values({
        org_id: ORG_ID,
        id: user.id,
        email: user.email,
        name: user.email.split('@')[0]!,
        password_hash: hash,
        business_unit_id: user.businessUnitId,
        locale: 'en',
        time_zone: 'Europe/Warsaw',
        working_hours_json: JSON.stringify({
          days: [1, 2, 3, 4, 5],
          from: '09:00',
          to: '17:00',
          daysOff: [],
        }),
        preferences_json: '{}',
        active: 1,
        created_at: now,
      })
      .execute();
    for (const role of user.roles) {
      await store.db
        .insertInto('role_assignments')
        .values({ org_id: ORG_ID, user_id: user.id, role })
        .execute();
    }
  }
}

export interface Session {
  cookie: string;
  csrf: string;
}

export interface World {
  store: Store;
  app: ApiApp;
  clock: FakeClock;
  /** Signs in (once per user, cached) and returns cookie + CSRF header values. */
  session(user: WorldUserKey): Promise<Session>;
  /** An authenticated request as the given user, JSON in and out. */
  as(
    user: WorldUserKey,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface WorldOptions {
  file?: boolean;
  /** Configuration overrides (e.g. an empty `outboundAllowList`, an https `publicUrl`). */
  config?: Partial<Config>;
  /** Captures the HTTP server's log lines. */
  logStream?: DestinationStream;
}

/**
 * Signs in as the web page does: a pre-session token from GET /api/auth/login-token (cookie + body), then
 * POST /api/auth/login with it in the x-login-token header (login CSRF protection).
 */
export async function signInRequest(
  app: ApiApp,
  payload: unknown,
  options: { remoteAddress?: string } = {},
): Promise<LightMyRequestResponse> {
  const remote = options.remoteAddress ? { remoteAddress: options.remoteAddress } : {};
  const pre = await app.inject({ method: 'GET', url: '/api/auth/login-token', ...remote });
  const { loginToken } = pre.json() as { loginToken: string };
  return app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: payload as Record<string, unknown>,
    headers: { cookie: `sw_login=${loginToken}`, 'x-login-token': loginToken },
    ...remote,
  });
}

export async function createWorld(dialect: DialectName, options: WorldOptions = {}): Promise<World> {
  const store = await freshStore(dialect, options);
  const clock = new FakeClock();
  await seedWorld(store, clock.now());
  const app = await buildApp({
    store,
    config: testConfig({ databaseUrl: store.url, ...options.config }),
    clock,
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  await app.ready();
  const sessions = new Map<WorldUserKey, Session>();
  const session = async (user: WorldUserKey): Promise<Session> => {
    const cached = sessions.get(user);
    if (cached) return cached;
    const response = await signInRequest(app, { email: USERS[user].email, password: PASSWORD });
    if (response.statusCode !== 200) throw new Error(`login failed for ${user}: ${response.body}`);
    const cookie = response.cookies.find((c) => c.name === 'sw_session')!.value;
    const created = {
      cookie: `sw_session=${cookie}`,
      csrf: (response.json() as { csrfToken: string }).csrfToken,
    };
    sessions.set(user, created);
    return created;
  };
  return {
    store,
    app,
    clock,
    session,
    async as(user, method, url, body) {
      const s = await session(user);
      return app.inject({
        method,
        url,
        headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}
