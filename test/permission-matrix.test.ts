import { randomUUID } from 'node:crypto';
import type { HTTPMethods, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, randomSecret } from '../src/api/auth/secrets.ts';
import { testConfig } from '../src/config.ts';
import { silentLogger } from '../src/engine/engine-deps.ts';
import { processDueBatch } from '../src/engine/process-tasks.ts';
import { encryptSecret } from '../src/mail/secrets.ts';
import { newId } from '../src/store/ids.ts';
import { insertInboundMessage } from '../src/store/repos/inbound-messages-repo.ts';
import { insertSchedule } from '../src/store/repos/schedules-repo.ts';
import { insertSsoProvider } from '../src/store/repos/sso-repo.ts';
import { addSuppression } from '../src/store/repos/suppressions-repo.ts';
import { registeredRoutes } from './identity/registered-routes.ts';
import { dialects } from './support/databases.ts';
import {
  BU,
  createWorld,
  ORG_ID,
  PASSWORD,
  testPasswordHash,
  USERS,
  type World,
  type WorldUserKey,
} from './support/world.ts';

/*
 * The permission matrix (SPEC.md §4) checked against every route the API registers.
 *
 * Every route needs a rule below: how to call it, and what each caller gets. A route without a rule fails the
 * first test with its name, so a new route cannot ship without saying who may use it.
 *
 * To add your routes: add a table for your area (or rows to an existing one) and list it in ALL_RULES.
 * - `call(ctx)` builds the request. `ctx.sequenceId` / `ctx.recordId` hold a fresh fixture made for the case
 *   (owned by `case.owner`) when the rule says `resource: 'sequence' | 'record'`; `ctx.fx` makes more.
 * - `cases` lists [caller, owner] → status. Use the generators: `sequenceCases('use' | 'manage' | 'report', ok)`,
 *   `recordCases('view' | 'connect', ok)`, `everyUser(ok)`, `adminsOnly(ok)`, `reporters(ok)`, `anyone(ok)`.
 *   They expand the literal tables SEQUENCE_MATRIX and RECORD_MATRIX, which are the spec written out.
 * Each case gets fresh fixtures, so deleting as one caller does not affect the next case.
 */

// ── The matrix, written out ─────────────────────────────────────────────────────────────────────────────────

type Caller = WorldUserKey | 'anonymous';
const USER_KEYS = Object.keys(USERS) as WorldUserKey[];
/** 'ok' = allowed; 403 = visible but refused (naming the permission); 404 = invisible (existence not leaked). */
type Outcome = 'ok' | 403 | 404;

/** [caller, sequence owner, view/connect/copy/apply tags, edit/activate/deactivate/delete/share]. */
const SEQUENCE_MATRIX: [WorldUserKey, WorldUserKey, Outcome, Outcome][] = [
  // Own sequence.
  ['eastSeller', 'eastSeller', 'ok', 'ok'],
  // A colleague's sequence in the same unit: sellers view, connect, copy; owner, sequence managers, admins manage.
  ['eastSeller', 'eastSeller2', 'ok', 403],
  ['eastEntSeller', 'eastSeller2', 404, 404],
  ['eastSeqManager', 'eastSeller2', 'ok', 'ok'],
  ['eastSalesManager', 'eastSeller2', 'ok', 403],
  ['eastAdmin', 'eastSeller2', 'ok', 'ok'],
  ['westSeller', 'eastSeller2', 404, 404],
  ['westSeqManager', 'eastSeller2', 404, 404],
  // Another unit's sequence: invisible, except to admins and that unit.
  ['eastSeller', 'westSeller', 404, 404],
  ['eastSeqManager', 'westSeller', 404, 404],
  ['eastSalesManager', 'westSeller', 404, 404],
  ['eastAdmin', 'westSeller', 'ok', 'ok'],
  ['westSeqManager', 'westSeller', 'ok', 'ok'],
  // A child unit's sequence (East Enterprise): managers of East see it; East's sellers do not.
  ['eastSeller', 'eastEntSeller', 404, 404],
  ['eastSeqManager', 'eastEntSeller', 'ok', 'ok'],
  ['eastSalesManager', 'eastEntSeller', 'ok', 403],
  ['westSeller', 'eastEntSeller', 404, 404],
];

/** [caller, record owner, view/edit/work its steps, connect it]. */
const RECORD_MATRIX: [WorldUserKey, WorldUserKey, Outcome, Outcome][] = [
  ['eastSeller', 'eastSeller', 'ok', 'ok'],
  // Records are their owner's: a colleague in the same unit does not see them.
  ['eastSeller', 'eastSeller2', 404, 404],
  ['eastEntSeller', 'eastSeller2', 404, 404],
  // Managers of the owner's unit, or a unit above it, and admins do.
  ['eastSeqManager', 'eastSeller2', 'ok', 'ok'],
  ['eastSalesManager', 'eastSeller2', 'ok', 'ok'],
  ['eastSalesManager', 'eastEntSeller', 'ok', 'ok'],
  ['eastAdmin', 'westSeller', 'ok', 'ok'],
  ['eastSeqManager', 'westSeller', 404, 404],
  ['westSeller', 'eastSeller', 404, 404],
  ['westSeqManager', 'westSeller', 'ok', 'ok'],
  ['westSeqManager', 'eastSeller', 404, 404],
];

const REPORTERS = new Set<WorldUserKey>(
  USER_KEYS.filter((key) =>
    USERS[key].roles.some((r: string) => ['sales_manager', 'sequence_manager', 'admin'].includes(r)),
  ),
);
const ADMINS = new Set<WorldUserKey>(
  USER_KEYS.filter((key) => USERS[key].roles.some((r: string) => r === 'admin')),
);

// ── Rules ──────────────────────────────────────────────────────────────────────────────────────────────────

interface Case {
  as: Caller;
  expect: number;
  /** Owner of the fresh fixture (for rules with a `resource`). */
  owner?: WorldUserKey;
}

interface Ctx {
  world: World;
  fx: Fixtures;
  as: Caller;
  /** Owner of this case's fixture (`case.owner`, default eastSeller). */
  owner: WorldUserKey;
  sequenceId: string;
  recordId: string;
  /** Unique per case, for names and emails. */
  unique: string;
}

interface Call {
  method: HTTPMethods;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  remoteAddress?: string;
  /** Authenticate with this session instead of the caller's cached one. */
  session?: { cookie: string; csrf: string };
}

interface Rule {
  resource?: 'sequence' | 'record';
  call(ctx: Ctx): Call | Promise<Call>;
  cases: Case[];
}

type RuleTable = Record<string, Rule>;

const anonymous = (expect = 401): Case => ({ as: 'anonymous', expect });
const okOr = (outcome: Outcome, ok: number) => (outcome === 'ok' ? ok : outcome);

/** Every signed-in user gets `ok`; anonymous 401. */
const everyUser = (ok: number): Case[] => [...USER_KEYS.map((as) => ({ as, expect: ok })), anonymous()];
/** Admins `ok`, everyone else 403 naming the permission. */
const adminsOnly = (ok: number): Case[] => [
  ...USER_KEYS.map((as) => ({ as, expect: ADMINS.has(as) ? ok : 403 })),
  anonymous(),
];
/** Sales managers, sequence managers and admins `ok`; sellers 403. */
const reporters = (ok: number): Case[] => [
  ...USER_KEYS.map((as) => ({ as, expect: REPORTERS.has(as) ? ok : 403 })),
  anonymous(),
];
/** No sign-in needed. */
const anyone = (ok: number): Case[] => [
  { as: 'anonymous', expect: ok },
  { as: 'eastSeller', expect: ok },
];

function sequenceCases(kind: 'use' | 'manage' | 'report', ok: number): Case[] {
  return [
    ...SEQUENCE_MATRIX.map(([as, owner, use, manage]) => {
      const outcome =
        kind === 'use'
          ? use
          : kind === 'manage'
            ? manage
            : use === 404
              ? 404
              : REPORTERS.has(as)
                ? 'ok'
                : 403;
      return { as, owner, expect: okOr(outcome, ok) };
    }),
    { ...anonymous(), owner: 'eastSeller' },
  ];
}

function recordCases(kind: 'view' | 'connect', ok: number): Case[] {
  return [
    ...RECORD_MATRIX.map(([as, owner, view, connect]) => ({
      as,
      owner,
      expect: okOr(kind === 'view' ? view : connect, ok),
    })),
    { ...anonymous(), owner: 'eastSeller' },
  ];
}

/** Each caller acts on something of its own (tokens, profile): everyone `ok`. */
const self = everyUser;

// ── Area: system and sign-in ────────────────────────────────────────────────────────────────────────────────
const SYSTEM_RULES: RuleTable = {
  'GET /api/health': { call: () => ({ method: 'GET', url: '/api/health' }), cases: anyone(200) },
  // The OpenAPI document needs a sign-in unless PUBLIC_API_DOCS=true.
  'GET /api/openapi.json': {
    call: () => ({ method: 'GET', url: '/api/openapi.json' }),
    cases: [
      { as: 'anonymous', expect: 401 },
      { as: 'eastSeller', expect: 200 },
    ],
  },
  'GET /api/auth/login-token': {
    call: () => ({ method: 'GET', url: '/api/auth/login-token' }),
    cases: anyone(200),
  },
  'GET /api/ready': { call: () => ({ method: 'GET', url: '/api/ready' }), cases: anyone(200) },
  // Prometheus metrics: admins (or METRICS_TOKEN, or anyone with METRICS_PUBLIC=true; test/ops/metrics.test.ts).
  'GET /api/metrics': {
    call: () => ({ method: 'GET', url: '/api/metrics' }),
    cases: [
      { as: 'anonymous', expect: 401 },
      { as: 'eastSeller', expect: 403 },
      { as: 'eastAdmin', expect: 200 },
    ],
  },
  // The same metrics at Prometheus's default path, under the same rules.
  'GET /metrics': {
    call: () => ({ method: 'GET', url: '/metrics' }),
    cases: [
      { as: 'anonymous', expect: 401 },
      { as: 'eastSeller', expect: 403 },
      { as: 'eastAdmin', expect: 200 },
    ],
  },
  'POST /api/auth/login': {
    call: () => ({
      method: 'POST',
      url: '/api/auth/login',
      // The pre-session token (login CSRF): the same value as cookie and header.
      headers: { cookie: 'sw_login=matrix-login-token', 'x-login-token': 'matrix-login-token' },
      body: { email: USERS.westSeqManager.email, password: PASSWORD },
      remoteAddress: `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
    }),
    cases: anyone(200),
  },
  'POST /api/auth/logout': {
    // Signs out a throw-away session of the caller, so the cached one stays.
    call: async (ctx) => ({
      method: 'POST',
      url: '/api/auth/logout',
      ...(ctx.as === 'anonymous' ? {} : { session: await ctx.fx.session(ctx.as) }),
    }),
    cases: [...USER_KEYS.map((as) => ({ as, expect: 204 })), anonymous(204)],
  },
  'GET /api/me': { call: () => ({ method: 'GET', url: '/api/me' }), cases: self(200) },
  'POST /api/me/password': {
    call: async (ctx) => {
      if (ctx.as !== 'anonymous') await ctx.fx.resetPassword(ctx.as);
      return {
        method: 'POST',
        url: '/api/me/password',
        body: { currentPassword: PASSWORD, newPassword: `new-${ctx.unique}` },
      };
    },
    // Hashing is deliberately slow: two roles stand for all.
    cases: [{ as: 'eastSeller', expect: 204 }, { as: 'eastAdmin', expect: 204 }, anonymous()],
  },
  'GET /api/me/profile': { call: () => ({ method: 'GET', url: '/api/me/profile' }), cases: self(200) },
  'PATCH /api/me/profile': {
    call: () => ({
      method: 'PATCH',
      url: '/api/me/profile',
      body: { preferences: { afterCompleteStep: 'stay' } },
    }),
    cases: self(200),
  },
};

// ── Area: API tokens ────────────────────────────────────────────────────────────────────────────────────────
const TOKEN_RULES: RuleTable = {
  'POST /api/tokens': {
    call: (ctx) => ({ method: 'POST', url: '/api/tokens', body: { name: `t-${ctx.unique}` } }),
    cases: self(201),
  },
  'GET /api/tokens': { call: () => ({ method: 'GET', url: '/api/tokens' }), cases: self(200) },
  'DELETE /api/tokens/:id': {
    // The caller's own token is revoked; somebody else's is not found (see `owner`).
    call: async (ctx) => ({
      method: 'DELETE',
      url: `/api/tokens/${await ctx.fx.token(ctx.as === 'anonymous' ? 'eastSeller' : ctx.as)}`,
    }),
    cases: self(204),
  },
  'DELETE /api/tokens/:id (of another user)': {
    call: async () => ({
      method: 'DELETE',
      url: `/api/tokens/${await (await fixturesOf()).token('westSeller')}`,
    }),
    cases: [
      { as: 'eastSeller', expect: 404 },
      { as: 'eastAdmin', expect: 404 },
    ],
  },
};

// ── Area: administration ───────────────────────────────────────────────────────────────────────────────────
const ADMIN_RULES: RuleTable = {
  'GET /api/admin/users': {
    call: () => ({ method: 'GET', url: '/api/admin/users' }),
    cases: adminsOnly(200),
  },
  'GET /api/admin/users/:id': {
    call: () => ({ method: 'GET', url: `/api/admin/users/${USERS.westSeller.id}` }),
    cases: adminsOnly(200),
  },
  'POST /api/admin/users': {
    call: (ctx) => ({
      method: 'POST',
      url: '/api/admin/users',
      body: {
        email: `${ctx.unique}@example.com`,
        name: 'New',
        roles: ['seller'],
        businessUnitId: BU.west,
        password: 'a-long-password',
      },
    }),
    cases: adminsOnly(201),
  },
  'PATCH /api/admin/users/:id': {
    call: async (ctx) => ({
      method: 'PATCH',
      url: `/api/admin/users/${await ctx.fx.user()}`,
      body: { name: 'Renamed', roles: ['seller', 'sales_manager'] },
    }),
    cases: adminsOnly(200),
  },
  'GET /api/admin/business-units': {
    call: () => ({ method: 'GET', url: '/api/admin/business-units' }),
    cases: adminsOnly(200),
  },
  'POST /api/admin/business-units': {
    call: (ctx) => ({
      method: 'POST',
      url: '/api/admin/business-units',
      body: { name: ctx.unique, parentId: BU.west },
    }),
    cases: adminsOnly(201),
  },
  'PATCH /api/admin/business-units/:id': {
    call: async (ctx) => ({
      method: 'PATCH',
      url: `/api/admin/business-units/${await ctx.fx.businessUnit()}`,
      body: { name: `renamed-${ctx.unique}` },
    }),
    cases: adminsOnly(200),
  },
  'DELETE /api/admin/business-units/:id': {
    call: async (ctx) => ({
      method: 'DELETE',
      url: `/api/admin/business-units/${await ctx.fx.businessUnit()}`,
    }),
    cases: adminsOnly(204),
  },
  'GET /api/admin/settings': {
    call: () => ({ method: 'GET', url: '/api/admin/settings' }),
    cases: adminsOnly(200),
  },
  'PATCH /api/admin/settings': {
    call: () => ({ method: 'PATCH', url: '/api/admin/settings', body: { holidays: ['2026-12-25'] } }),
    cases: adminsOnly(200),
  },
  'GET /api/admin/audit': {
    call: () => ({ method: 'GET', url: '/api/admin/audit?resourceType=user' }),
    cases: adminsOnly(200),
  },
  'GET /api/admin/dead-tasks': {
    call: () => ({ method: 'GET', url: '/api/admin/dead-tasks' }),
    cases: adminsOnly(200),
  },
  'POST /api/admin/dead-tasks/:id/requeue': {
    call: () => ({ method: 'POST', url: '/api/admin/dead-tasks/no-such-task/requeue' }),
    cases: adminsOnly(404),
  },
};

// ── Area: records and record fields ──────────────────────────────────────────────────────────────────────────
const RECORD_RULES: RuleTable = {
  'GET /api/records': { call: () => ({ method: 'GET', url: '/api/records' }), cases: everyUser(200) },
  'POST /api/records': {
    call: (ctx) => ({
      method: 'POST',
      url: '/api/records',
      body: { type: 'lead', name: `Lead ${ctx.unique}` },
    }),
    cases: everyUser(201),
  },
  'GET /api/records/:id': {
    resource: 'record',
    call: (ctx) => ({ method: 'GET', url: `/api/records/${ctx.recordId}` }),
    cases: recordCases('view', 200),
  },
  'PATCH /api/records/:id': {
    resource: 'record',
    call: (ctx) => ({ method: 'PATCH', url: `/api/records/${ctx.recordId}`, body: { jobTitle: 'Buyer' } }),
    cases: recordCases('view', 200),
  },
  'DELETE /api/records/:id': {
    resource: 'record',
    call: (ctx) => ({ method: 'DELETE', url: `/api/records/${ctx.recordId}` }),
    cases: recordCases('view', 204),
  },
  'POST /api/records/import': {
    call: () => ({
      method: 'POST',
      url: '/api/records/import',
      // A new file each call: the same file again is the same job (200), not a new one.
      body: { type: 'lead', csv: `name,email\nImported Lead ${randomUUID()},imported@example.com\n` },
    }),
    cases: everyUser(202),
  },
  'GET /api/import-jobs/:id': {
    call: () => ({ method: 'GET', url: '/api/import-jobs/no-such-job' }),
    cases: everyUser(404),
  },
  'GET /api/stages': {
    call: () => ({ method: 'GET', url: '/api/stages' }),
    cases: everyUser(200),
  },
  'GET /api/record-fields': {
    call: () => ({ method: 'GET', url: '/api/record-fields' }),
    cases: everyUser(200),
  },
  'POST /api/record-fields': {
    call: (ctx) => ({
      method: 'POST',
      url: '/api/record-fields',
      body: {
        recordType: 'lead',
        name: `f${ctx.unique.replaceAll('-', '')}`,
        label: 'Budget',
        type: 'number',
      },
    }),
    cases: adminsOnly(201),
  },
  'PATCH /api/record-fields/:id': {
    call: async (ctx) => ({
      method: 'PATCH',
      url: `/api/record-fields/${await ctx.fx.recordField()}`,
      body: { label: 'Renamed' },
    }),
    cases: adminsOnly(200),
  },
  'DELETE /api/record-fields/:id': {
    call: async (ctx) => ({ method: 'DELETE', url: `/api/record-fields/${await ctx.fx.recordField()}` }),
    cases: adminsOnly(204),
  },
};

// ── Area: sequences ───────────────────────────────────────────────────────────────────────────────────────
const SEQUENCE_RULES: RuleTable = {
  'GET /api/sequences': { call: () => ({ method: 'GET', url: '/api/sequences' }), cases: everyUser(200) },
  'POST /api/sequences': {
    call: (ctx) => ({ method: 'POST', url: '/api/sequences', body: { name: `Blank ${ctx.unique}` } }),
    cases: everyUser(201),
  },
  'GET /api/sequence-templates': {
    call: () => ({ method: 'GET', url: '/api/sequence-templates' }),
    cases: everyUser(200),
  },
  'GET /api/sequences/:id': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'GET', url: `/api/sequences/${ctx.sequenceId}` }),
    cases: sequenceCases('use', 200),
  },
  'PUT /api/sequences/:id/ab-tests/:nodeId/winner': {
    resource: 'sequence',
    call: (ctx) => ({
      method: 'PUT',
      url: `/api/sequences/${ctx.sequenceId}/ab-tests/no-such-step/winner`,
      body: { variant: 'A' },
    }),
    // Allowed to edit: the matrix's sequences are drafts, with no running test (409); others 403 or 404.
    cases: sequenceCases('manage', 409),
  },
  'PATCH /api/sequences/:id': {
    resource: 'sequence',
    call: (ctx) => ({
      method: 'PATCH',
      url: `/api/sequences/${ctx.sequenceId}`,
      body: { description: 'Changed' },
    }),
    cases: sequenceCases('manage', 200),
  },
  'PUT /api/sequences/:id/definition': {
    resource: 'sequence',
    call: (ctx) => ({
      method: 'PUT',
      url: `/api/sequences/${ctx.sequenceId}/definition`,
      body: VALID_DEFINITION,
    }),
    cases: sequenceCases('manage', 200),
  },
  'POST /api/sequences/:id/activate': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'POST', url: `/api/sequences/${ctx.sequenceId}/activate`, body: {} }),
    cases: sequenceCases('manage', 200),
  },
  'POST /api/sequences/:id/deactivate': {
    resource: 'sequence',
    call: async (ctx) => {
      await ctx.fx.activate(ctx.sequenceId);
      return { method: 'POST', url: `/api/sequences/${ctx.sequenceId}/deactivate`, body: {} };
    },
    cases: sequenceCases('manage', 200),
  },
  'POST /api/sequences/:id/edit': {
    resource: 'sequence',
    call: async (ctx) => {
      await ctx.fx.activate(ctx.sequenceId);
      return { method: 'POST', url: `/api/sequences/${ctx.sequenceId}/edit` };
    },
    cases: sequenceCases('manage', 200),
  },
  'GET /api/sequences/:id/versions': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'GET', url: `/api/sequences/${ctx.sequenceId}/versions` }),
    cases: sequenceCases('use', 200),
  },
  'GET /api/sequences/:id/versions/:version': {
    resource: 'sequence',
    call: async (ctx) => {
      await ctx.fx.activate(ctx.sequenceId);
      return { method: 'GET', url: `/api/sequences/${ctx.sequenceId}/versions/1` };
    },
    cases: sequenceCases('use', 200),
  },
  'POST /api/sequences/:id/copy': {
    resource: 'sequence',
    call: (ctx) => ({
      method: 'POST',
      url: `/api/sequences/${ctx.sequenceId}/copy`,
      body: { name: `Copy ${ctx.unique}` },
    }),
    cases: sequenceCases('use', 201),
  },
  'DELETE /api/sequences/:id': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'DELETE', url: `/api/sequences/${ctx.sequenceId}` }),
    cases: sequenceCases('manage', 200),
  },
  'POST /api/sequences/:id/save-as-template': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'POST', url: `/api/sequences/${ctx.sequenceId}/save-as-template`, body: {} }),
    cases: sequenceCases('manage', 200),
  },
  'GET /api/sequences/:id/export': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'GET', url: `/api/sequences/${ctx.sequenceId}/export` }),
    cases: sequenceCases('use', 200),
  },
  'GET /api/sequences/:id/shares': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'GET', url: `/api/sequences/${ctx.sequenceId}/shares` }),
    cases: sequenceCases('manage', 200),
  },
  'GET /api/sequences/:id/share-candidates': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'GET', url: `/api/sequences/${ctx.sequenceId}/share-candidates` }),
    cases: sequenceCases('manage', 200),
  },
  'PUT /api/sequences/:id/shares/:principalType/:principalId': {
    resource: 'sequence',
    call: (ctx) => ({
      method: 'PUT',
      url: `/api/sequences/${ctx.sequenceId}/shares/user/${USERS.westSeller.id}`,
    }),
    cases: sequenceCases('manage', 200),
  },
  'DELETE /api/sequences/:id/shares/:principalType/:principalId': {
    resource: 'sequence',
    call: (ctx) => ({
      method: 'DELETE',
      url: `/api/sequences/${ctx.sequenceId}/shares/business_unit/${BU.west}`,
    }),
    cases: sequenceCases('manage', 200),
  },
  'POST /api/sequences/import': {
    call: async (ctx) => ({
      method: 'POST',
      url: '/api/sequences/import',
      body: { document: await ctx.fx.exportDocument(), name: `Imported ${ctx.unique}` },
    }),
    cases: everyUser(201),
  },
};

// ── Area: tags ─────────────────────────────────────────────────────────────────────────────────────────────
/** Tags are created, renamed and deleted by sequence managers and admins (SPEC.md §4). */
const tagManagers = (ok: number): Case[] => [
  ...USER_KEYS.map((as) => ({
    as,
    expect: USERS[as].roles.some((r: string) => r === 'sequence_manager' || r === 'admin') ? ok : 403,
  })),
  anonymous(),
];
const TAG_RULES: RuleTable = {
  'GET /api/tags': { call: () => ({ method: 'GET', url: '/api/tags' }), cases: everyUser(200) },
  'POST /api/tags': {
    call: (ctx) => ({ method: 'POST', url: '/api/tags', body: { name: `Tag ${ctx.unique}` } }),
    cases: tagManagers(201),
  },
  'PATCH /api/tags/:id': {
    call: async (ctx) => ({
      method: 'PATCH',
      url: `/api/tags/${await ctx.fx.tag()}`,
      body: { name: `Renamed ${ctx.unique}` },
    }),
    cases: tagManagers(200),
  },
  'DELETE /api/tags/:id': {
    call: async (ctx) => ({ method: 'DELETE', url: `/api/tags/${await ctx.fx.tag()}` }),
    cases: tagManagers(204),
  },
  // Sellers may apply tags to any sequence they see.
  'PUT /api/sequences/:id/tags/:tagId': {
    resource: 'sequence',
    call: async (ctx) => ({
      method: 'PUT',
      url: `/api/sequences/${ctx.sequenceId}/tags/${await ctx.fx.tag()}`,
    }),
    cases: sequenceCases('use', 204),
  },
  'DELETE /api/sequences/:id/tags/:tagId': {
    resource: 'sequence',
    call: async (ctx) => {
      const tagId = await ctx.fx.tag(ctx.sequenceId);
      return { method: 'DELETE', url: `/api/sequences/${ctx.sequenceId}/tags/${tagId}` };
    },
    cases: sequenceCases('use', 204),
  },
};

// ── Area: email templates ────────────────────────────────────────────────────────────────────────────────────
/** Templates are shared across the organisation; the author, sequence managers and admins change them. */
const templateEditors = (ok: number): Case[] => [
  ...USER_KEYS.map((as) => ({
    as,
    owner: 'eastSeller2' as const,
    expect:
      as === 'eastSeller2' || USERS[as].roles.some((r: string) => r === 'sequence_manager' || r === 'admin')
        ? ok
        : 403,
  })),
  anonymous(),
];
const TEMPLATE_BODY = { name: 'Intro', language: 'en', subject: 'Hello', bodyHtml: '<p>Hello</p>' };
const TEMPLATE_RULES: RuleTable = {
  'GET /api/email-templates': {
    call: () => ({ method: 'GET', url: '/api/email-templates' }),
    cases: everyUser(200),
  },
  'GET /api/email-templates/:id': {
    call: async (ctx) => ({
      method: 'GET',
      url: `/api/email-templates/${await ctx.fx.template('eastSeller2')}`,
    }),
    cases: everyUser(200),
  },
  'POST /api/email-templates': {
    call: (ctx) => ({
      method: 'POST',
      url: '/api/email-templates',
      body: { ...TEMPLATE_BODY, name: ctx.unique },
    }),
    cases: everyUser(201),
  },
  'PUT /api/email-templates/:id': {
    call: async (ctx) => ({
      method: 'PUT',
      url: `/api/email-templates/${await ctx.fx.template('eastSeller2')}`,
      body: { subject: 'Changed' },
    }),
    cases: templateEditors(200),
  },
  'DELETE /api/email-templates/:id': {
    call: async (ctx) => ({
      method: 'DELETE',
      url: `/api/email-templates/${await ctx.fx.template('eastSeller2')}`,
    }),
    cases: templateEditors(204),
  },
  // Previews render a record's data: the record must be visible.
  'POST /api/email-templates/:id/preview': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'POST',
      url: `/api/email-templates/${await ctx.fx.template('eastAdmin')}/preview`,
      body: { recordId: ctx.recordId },
    }),
    cases: recordCases('view', 200),
  },
  'POST /api/email-templates/preview': {
    resource: 'record',
    call: (ctx) => ({
      method: 'POST',
      url: '/api/email-templates/preview',
      body: { subject: 'Hi {{ record.name }}', bodyHtml: '<p>Hi</p>', recordId: ctx.recordId },
    }),
    cases: recordCases('view', 200),
  },
};

// ── Area: work list, Up next, timeline, follows ──────────────────────────────────────────────────────────────
const WORK_RULES: RuleTable = {
  'GET /api/worklist': { call: () => ({ method: 'GET', url: '/api/worklist' }), cases: self(200) },
  'GET /api/records/:id/up-next': {
    resource: 'record',
    call: (ctx) => ({ method: 'GET', url: `/api/records/${ctx.recordId}/up-next` }),
    cases: recordCases('view', 200),
  },
  'GET /api/records/:id/timeline': {
    resource: 'record',
    call: (ctx) => ({ method: 'GET', url: `/api/records/${ctx.recordId}/timeline` }),
    cases: recordCases('view', 200),
  },
  'POST /api/records/:id/follow': {
    resource: 'record',
    call: (ctx) => ({ method: 'POST', url: `/api/records/${ctx.recordId}/follow` }),
    cases: recordCases('view', 200),
  },
  'DELETE /api/records/:id/follow': {
    resource: 'record',
    call: (ctx) => ({ method: 'DELETE', url: `/api/records/${ctx.recordId}/follow` }),
    cases: recordCases('view', 200),
  },
};

// ── Area: inbound mail, tracking, unsubscribe ────────────────────────────────────────────────────────────────
/** A raw message that matches nothing: the intake accepts and ignores it. */
const STRAY_MIME =
  'From: a@example.org\r\nTo: b@example.com\r\nSubject: Hello\r\nMessage-ID: <stray@example.org>\r\n\r\nHi\r\n';
const MAIL_RULES: RuleTable = {
  'GET /api/inbound/settings': {
    call: () => ({ method: 'GET', url: '/api/inbound/settings' }),
    cases: adminsOnly(200),
  },
  'POST /api/inbound/credentials': {
    call: () => ({ method: 'POST', url: '/api/inbound/credentials', body: { label: 'MTA' } }),
    cases: adminsOnly(201),
  },
  'DELETE /api/inbound/credentials/:id': {
    call: () => ({ method: 'DELETE', url: '/api/inbound/credentials/0123456789abcdef0123456789abcdef' }),
    cases: adminsOnly(404),
  },
  // Without the inbound secret only admins may post mail in.
  'POST /api/inbound/mime': {
    call: () => ({ method: 'POST', url: '/api/inbound/mime', body: { mime: STRAY_MIME } }),
    cases: adminsOnly(200),
  },
  'POST /api/inbound/mime (with a wrong inbound secret)': {
    call: () => ({
      method: 'POST',
      url: '/api/inbound/mime',
      body: { mime: STRAY_MIME },
      headers: { 'x-stepwise-inbound-secret': 'wrong' },
    }),
    cases: [anonymous(401), { as: 'eastAdmin', expect: 401 }],
  },
  // Links in emails: the signed token decides, not a session. A forged token gets nothing.
  'GET /t/o/*': { call: () => ({ method: 'GET', url: '/t/o/forged-token.gif' }), cases: anyone(200) },
  'GET /t/c/*': { call: () => ({ method: 'GET', url: '/t/c/forged-token' }), cases: anyone(404) },
  'GET /u/*': { call: () => ({ method: 'GET', url: '/u/forged-token' }), cases: anyone(404) },
  'POST /u/*': { call: () => ({ method: 'POST', url: '/u/forged-token', body: {} }), cases: anyone(404) },
};

// ── Area: connections and steps ────────────────────────────────────────────────────────────────────────────
const CONNECTION_RULES: RuleTable = {
  // Connecting needs the record (a seller: only their own) and the sequence; here a sequence of the record's owner.
  'POST /api/records/:id/connection': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'POST',
      url: `/api/records/${ctx.recordId}/connection`,
      body: { sequenceId: await ctx.fx.activeSequence(ctx.owner) },
    }),
    cases: recordCases('connect', 201),
  },
  'DELETE /api/records/:id/connection': {
    resource: 'record',
    call: async (ctx) => {
      await ctx.fx.connect(ctx.recordId, ctx.owner);
      return { method: 'DELETE', url: `/api/records/${ctx.recordId}/connection` };
    },
    cases: recordCases('connect', 200),
  },
  // Bulk disconnect answers per record (not_found / not_your_record for refusals), so the request itself is 200.
  'POST /api/connections/disconnect': {
    call: async (ctx) => {
      const recordId = await ctx.fx.record('eastSeller');
      await ctx.fx.connect(recordId, 'eastSeller');
      return {
        method: 'POST',
        url: '/api/connections/disconnect',
        body: { recordIds: [recordId, ctx.recordId] },
      };
    },
    cases: everyUser(200),
  },
  'POST /api/connections/:id/pause': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'POST',
      url: `/api/connections/${await ctx.fx.connect(ctx.recordId, ctx.owner)}/pause`,
      body: {},
    }),
    cases: recordCases('view', 200),
  },
  'POST /api/connections/:id/resume': {
    resource: 'record',
    call: async (ctx) => {
      const connectionId = await ctx.fx.connect(ctx.recordId, ctx.owner);
      await ctx.world.store.db
        .updateTable('connections')
        .set({ status: 'paused' })
        .where('id', '=', connectionId)
        .execute();
      return { method: 'POST', url: `/api/connections/${connectionId}/resume`, body: {} };
    },
    cases: recordCases('view', 200),
  },
  // Bulk pause/resume answer per connection (not_found / forbidden for refusals), so the request itself is 200.
  'POST /api/connections/pause': {
    call: async (ctx) => ({
      method: 'POST',
      url: '/api/connections/pause',
      body: {
        connectionIds: [await ctx.fx.connect(await ctx.fx.record('eastSeller'), 'eastSeller')],
        note: 'Out of office',
      },
    }),
    cases: everyUser(200),
  },
  'POST /api/connections/resume': {
    call: async (ctx) => ({
      method: 'POST',
      url: '/api/connections/resume',
      body: { connectionIds: [await ctx.fx.connect(await ctx.fx.record('eastSeller'), 'eastSeller')] },
    }),
    cases: everyUser(200),
  },
  'GET /api/sequences/:id/connections': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'GET', url: `/api/sequences/${ctx.sequenceId}/connections` }),
    cases: sequenceCases('use', 200),
  },
  // Connecting from the sequence: the caller connects a record of their own.
  'POST /api/sequences/:id/connections': {
    resource: 'sequence',
    call: async (ctx) => {
      await ctx.fx.activate(ctx.sequenceId);
      const recordId = await ctx.fx.record(ctx.as === 'anonymous' ? 'eastSeller' : ctx.as);
      return {
        method: 'POST',
        url: `/api/sequences/${ctx.sequenceId}/connections`,
        body: { recordIds: [recordId] },
      };
    },
    cases: sequenceCases('use', 200),
  },
  'GET /api/bulk-jobs/:id': {
    call: async (ctx) => ({
      method: 'GET',
      url: `/api/bulk-jobs/${await ctx.fx.bulkJob(ctx.as === 'anonymous' ? 'eastSeller' : ctx.as)}`,
    }),
    cases: self(200),
  },
  'GET /api/bulk-jobs/:id (of another user)': {
    call: async (ctx) => ({ method: 'GET', url: `/api/bulk-jobs/${await ctx.fx.bulkJob('westSeller')}` }),
    cases: [
      { as: 'eastSeller', expect: 404 },
      { as: 'westSeqManager', expect: 404 },
      { as: 'eastAdmin', expect: 200 },
    ],
  },
};

/** Working a step needs `record.act` on its record (or being the step's assignee). */
const stepRule = (action: string, body: (ctx: Ctx) => unknown, kind: StepKind = 'task'): Rule => ({
  resource: 'record',
  call: async (ctx) => ({
    method: 'POST',
    url: `/api/steps/${await ctx.fx.step(ctx.recordId, ctx.owner, kind)}/${action}`,
    body: body(ctx),
  }),
  cases: recordCases('view', 200),
});
const STEP_RULES: RuleTable = {
  'POST /api/steps/:id/complete': stepRule('complete', () => ({ note: 'Done' })),
  'POST /api/steps/:id/skip': stepRule('skip', () => ({})),
  'POST /api/steps/:id/skip-wait': stepRule('skip-wait', () => ({}), 'wait'),
  'POST /api/steps/:id/snooze': stepRule(
    'snooze',
    (ctx) => ({ until: ctx.world.clock.now() + 86_400_000 }),
    'phone_call',
  ),
  'POST /api/steps/:id/assign': stepRule('assign', (ctx) => ({ userId: USERS[ctx.owner].id })),
  'POST /api/steps/:id/read': stepRule('read', () => ({})),
  'GET /api/steps/:id/compose': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'GET',
      url: `/api/steps/${await ctx.fx.step(ctx.recordId, ctx.owner, 'email')}/compose`,
    }),
    cases: recordCases('view', 200),
  },
  'POST /api/steps/:id/send': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'POST',
      url: `/api/steps/${await ctx.fx.step(ctx.recordId, ctx.owner, 'email')}/send`,
      body: { subject: 'Hello', html: '<p>Hello</p>' },
    }),
    cases: recordCases('view', 202),
  },
  // Bulk email loads every step with `record.act`: one the caller may not work is a 404 for the whole request.
  'POST /api/bulk-email/preview': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'POST',
      url: '/api/bulk-email/preview',
      body: { stepIds: [await ctx.fx.step(ctx.recordId, ctx.owner, 'email')] },
    }),
    cases: recordCases('view', 200),
  },
  'POST /api/bulk-email/send': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'POST',
      url: '/api/bulk-email/send',
      body: { stepIds: [await ctx.fx.step(ctx.recordId, ctx.owner, 'email')] },
    }),
    cases: recordCases('view', 200),
  },
};

// ── Area: segments ────────────────────────────────────────────────────────────────────────────────────────
/** Segments (automatic connection rules) are managed by sequence managers and admins. */
const segmentManagers = tagManagers;
/** One segment (of an East sequence): another unit's manager gets 404, as for the sequence itself. */
const eastSegmentManagers = (ok: number): Case[] =>
  tagManagers(ok).map((c) => (c.as === 'westSeqManager' ? { ...c, expect: 404 } : c));
const SEGMENT_RULE = {
  combine: 'and',
  groups: [{ combine: 'and', conditions: [{ field: 'status', operator: 'eq', value: 'open' }] }],
};
const SEGMENT_RULES: RuleTable = {
  'GET /api/segments': { call: () => ({ method: 'GET', url: '/api/segments' }), cases: segmentManagers(200) },
  'GET /api/segments/:id': {
    call: async (ctx) => ({ method: 'GET', url: `/api/segments/${await ctx.fx.segment()}` }),
    cases: eastSegmentManagers(200),
  },
  'POST /api/segments': {
    call: async (ctx) => ({
      method: 'POST',
      url: '/api/segments',
      body: {
        name: `Segment ${ctx.unique}`,
        recordType: 'lead',
        rule: SEGMENT_RULE,
        priority: 1,
        sequenceId: await ctx.fx.activeSequence(ctx.as === 'anonymous' ? 'eastSeller' : ctx.as),
      },
    }),
    cases: segmentManagers(201),
  },
  'PATCH /api/segments/:id': {
    call: async (ctx) => ({
      method: 'PATCH',
      url: `/api/segments/${await ctx.fx.segment()}`,
      body: { priority: 7 },
    }),
    cases: eastSegmentManagers(200),
  },
  'DELETE /api/segments/:id': {
    call: async (ctx) => ({ method: 'DELETE', url: `/api/segments/${await ctx.fx.segment()}` }),
    cases: eastSegmentManagers(204),
  },
  'POST /api/segments/preview': {
    call: () => ({
      method: 'POST',
      url: '/api/segments/preview',
      body: { recordType: 'lead', rule: SEGMENT_RULE },
    }),
    cases: segmentManagers(200),
  },
};

// ── Area: outbox, mailboxes, webhooks ─────────────────────────────────────────────────────────────────────
/** An email is visible to its sender, to managers of the sender's unit (and above), and to admins. */
const outboxRule = (method: HTTPMethods, path: string, status: EmailStatus, ok: number): Rule => ({
  resource: 'record',
  call: async (ctx) => ({
    method,
    url: `/api/outbox/${await ctx.fx.email(ctx.recordId, ctx.owner, status)}${path}`,
    ...(method === 'POST' ? { body: {} } : {}),
  }),
  cases: recordCases('view', ok),
});
/** A mailbox is managed by its user and by admins; to everyone else it does not exist. */
const mailboxCases = (ok: number): Case[] => [
  ...USER_KEYS.map((as) => ({ as, expect: as === 'eastSeller2' || ADMINS.has(as) ? ok : 404 })),
  anonymous(),
];
const MAIL_ADMIN_RULES: RuleTable = {
  'GET /api/outbox': { call: () => ({ method: 'GET', url: '/api/outbox' }), cases: everyUser(200) },
  'GET /api/outbox/:id': outboxRule('GET', '', 'queued', 200),
  'GET /api/outbox/:id/raw': outboxRule('GET', '/raw', 'sent', 200),
  'GET /api/outbox/:id/activity': outboxRule('GET', '/activity', 'sent', 200),
  'POST /api/outbox/:id/cancel': outboxRule('POST', '/cancel', 'queued', 200),
  'POST /api/outbox/:id/retry': outboxRule('POST', '/retry', 'held', 200),
  'GET /api/outbox/:id/draft': outboxRule('GET', '/draft', 'held', 200),
  'POST /api/outbox/:id/draft/preview': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'POST',
      url: `/api/outbox/${await ctx.fx.email(ctx.recordId, ctx.owner, 'held')}/draft/preview`,
      body: { subject: 'Hello', html: '<p>Hello</p>' },
    }),
    cases: recordCases('view', 200),
  },
  'POST /api/outbox/:id/release': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'POST',
      url: `/api/outbox/${await ctx.fx.email(ctx.recordId, ctx.owner, 'held')}/release`,
      body: { subject: 'Hello', html: '<p>Hello</p>' },
    }),
    cases: recordCases('view', 200),
  },
  'GET /api/notifications': {
    call: () => ({ method: 'GET', url: '/api/notifications' }),
    cases: everyUser(200),
  },
  'POST /api/notifications/read': {
    call: () => ({ method: 'POST', url: '/api/notifications/read' }),
    cases: everyUser(200),
  },
  'GET /api/notification-settings': {
    call: () => ({ method: 'GET', url: '/api/notification-settings' }),
    cases: everyUser(200),
  },
  'PUT /api/notification-settings': {
    call: () => ({
      method: 'PUT',
      url: '/api/notification-settings',
      body: { kinds: ['reply'], frequency: 'hourly', dailyHour: 8 },
    }),
    cases: everyUser(200),
  },
  'GET /api/mailboxes': { call: () => ({ method: 'GET', url: '/api/mailboxes' }), cases: everyUser(200) },
  'POST /api/mailboxes': {
    call: () => ({ method: 'POST', url: '/api/mailboxes', body: { kind: 'catch_all' } }),
    cases: self(201),
  },
  'PATCH /api/mailboxes/:id': {
    call: async (ctx) => ({
      method: 'PATCH',
      url: `/api/mailboxes/${await ctx.fx.mailbox('eastSeller2')}`,
      body: { fromName: 'Sales' },
    }),
    cases: mailboxCases(200),
  },
  'DELETE /api/mailboxes/:id': {
    call: async (ctx) => ({ method: 'DELETE', url: `/api/mailboxes/${await ctx.fx.mailbox('eastSeller2')}` }),
    cases: mailboxCases(204),
  },
  'POST /api/mailboxes/:id/test': {
    call: async (ctx) => ({
      method: 'POST',
      url: `/api/mailboxes/${await ctx.fx.mailbox('eastSeller2')}/test`,
      body: {},
    }),
    cases: mailboxCases(200),
  },
  'GET /api/webhooks': { call: () => ({ method: 'GET', url: '/api/webhooks' }), cases: adminsOnly(200) },
  'POST /api/webhooks': {
    call: () => ({
      method: 'POST',
      url: '/api/webhooks',
      body: { url: 'https://hooks.example.com/stepwise', events: ['step.completed'] },
    }),
    cases: adminsOnly(201),
  },
  'PATCH /api/webhooks/:id': {
    call: async (ctx) => ({
      method: 'PATCH',
      url: `/api/webhooks/${await ctx.fx.webhook()}`,
      body: { enabled: false },
    }),
    cases: adminsOnly(200),
  },
  'DELETE /api/webhooks/:id': {
    call: async (ctx) => ({ method: 'DELETE', url: `/api/webhooks/${await ctx.fx.webhook()}` }),
    cases: adminsOnly(204),
  },
  'POST /api/webhooks/:id/ping': {
    call: async (ctx) => ({ method: 'POST', url: `/api/webhooks/${await ctx.fx.webhook()}/ping`, body: {} }),
    cases: adminsOnly(202),
  },
  'GET /api/webhooks/:id/deliveries': {
    call: async (ctx) => ({ method: 'GET', url: `/api/webhooks/${await ctx.fx.webhook()}/deliveries` }),
    cases: adminsOnly(200),
  },
  'GET /api/suppressions': {
    call: () => ({ method: 'GET', url: '/api/suppressions' }),
    cases: adminsOnly(200),
  },
  'GET /api/suppressions/export': {
    call: () => ({ method: 'GET', url: '/api/suppressions/export' }),
    cases: adminsOnly(200),
  },
  'POST /api/suppressions': {
    call: () => ({
      method: 'POST',
      url: '/api/suppressions',
      body: { address: `matrix-${randomUUID().slice(0, 8)}@example.test` },
    }),
    cases: adminsOnly(201),
  },
  'DELETE /api/suppressions/:address': {
    call: async (ctx) => {
      const address = `gone-${randomUUID().slice(0, 8)}@example.test`;
      await addSuppression(ctx.world.store.db, {
        orgId: ORG_ID,
        address,
        reason: 'manual',
        detail: null,
        outboundMessageId: null,
        createdBy: null,
        now: ctx.world.clock.now(),
      });
      return { method: 'DELETE', url: `/api/suppressions/${encodeURIComponent(address)}` };
    },
    cases: adminsOnly(204),
  },
  'GET /api/inbound/messages': {
    call: () => ({ method: 'GET', url: '/api/inbound/messages' }),
    cases: adminsOnly(200),
  },
  'GET /api/inbound/messages/:id': {
    call: async (ctx) => {
      const id = newId();
      await insertInboundMessage(ctx.world.store.db, {
        org_id: ORG_ID,
        id,
        dedupe_key: `hash:${id}`,
        via: 'http',
        received_at: ctx.world.clock.now(),
        from_address: 'mailer-daemon@example.test',
        subject: 'Undelivered',
        message_id: null,
        class: 'bounce',
        detail: null,
        outcome: 'unmatched',
        reason: null,
        outbound_message_id: null,
        matched_by: null,
        size_bytes: 2,
        raw_base64: Buffer.from('hi').toString('base64'),
      });
      return { method: 'GET', url: `/api/inbound/messages/${id}` };
    },
    cases: adminsOnly(200),
  },
};

// ── Area: insights ──────────────────────────────────────────────────────────────────────────────────────────
const INSIGHT_RULES: RuleTable = {
  'GET /api/sequences/:id/insights': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'GET', url: `/api/sequences/${ctx.sequenceId}/insights` }),
    cases: sequenceCases('report', 200),
  },
  'GET /api/sequences/:id/insights.csv': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'GET', url: `/api/sequences/${ctx.sequenceId}/insights.csv` }),
    cases: sequenceCases('report', 200),
  },
  'GET /api/insights/sellers': {
    call: () => ({ method: 'GET', url: '/api/insights/sellers' }),
    cases: reporters(200),
  },
};

// ── Area: recipient's time (issue 13) ──────────────────────────────────────────────────────────────────────
const RECIPIENT_TIME_RULES: RuleTable = {
  'GET /api/records/:id/time-zone': {
    resource: 'record',
    call: (ctx) => ({ method: 'GET', url: `/api/records/${ctx.recordId}/time-zone` }),
    cases: recordCases('view', 200),
  },
  'GET /api/sequences/:id/scheduled-emails': {
    resource: 'sequence',
    call: (ctx) => ({ method: 'GET', url: `/api/sequences/${ctx.sequenceId}/scheduled-emails` }),
    cases: sequenceCases('report', 200),
  },
};

// ── Area: directory ──────────────────────────────────────────────────────────────────────────────────────────
const DIRECTORY_RULES: RuleTable = {
  // Colleagues of the caller's unit and the units below it; the leak check makes sure West sees no East names.
  'GET /api/users': { call: () => ({ method: 'GET', url: '/api/users' }), cases: everyUser(200) },
};

// ── Area: schedules ────────────────────────────────────────────────────────────────────────────────────────
/** Schedules: everyone reads them (sequence owners pick one); admins manage them. */
const scheduleBody = (ctx: Ctx) => ({
  name: `Schedule ${ctx.unique}`,
  zoneMode: { kind: 'recipient' },
  intervals: [{ day: 1, from: '09:00', to: '17:00' }],
  holidays: { dates: [], country: 'PL', region: null },
});
async function scheduleFixture(ctx: Ctx): Promise<string> {
  const id = newId();
  await insertSchedule(ctx.world.store.db, {
    org_id: ORG_ID,
    id,
    name: `Fixture ${id}`,
    is_default: 0,
    zone_mode: 'recipient',
    zone: null,
    intervals_json: '[{"day":1,"from":"09:00","to":"17:00"}]',
    holidays_json: '{"dates":[],"country":null,"region":null}',
    created_at: 0,
    updated_at: 0,
  });
  return id;
}
const SCHEDULE_RULES: RuleTable = {
  'GET /api/schedules': { call: () => ({ method: 'GET', url: '/api/schedules' }), cases: everyUser(200) },
  'GET /api/schedules/:id': {
    call: async (ctx) => ({ method: 'GET', url: `/api/schedules/${await scheduleFixture(ctx)}` }),
    cases: everyUser(200),
  },
  'GET /api/schedules/:id/holidays': {
    call: async (ctx) => ({ method: 'GET', url: `/api/schedules/${await scheduleFixture(ctx)}/holidays` }),
    cases: everyUser(200),
  },
  'GET /api/holiday-countries': {
    call: () => ({ method: 'GET', url: '/api/holiday-countries' }),
    cases: everyUser(200),
  },
  'POST /api/schedules': {
    call: (ctx) => ({ method: 'POST', url: '/api/schedules', body: scheduleBody(ctx) }),
    cases: adminsOnly(201),
  },
  'PUT /api/schedules/:id': {
    call: async (ctx) => ({
      method: 'PUT',
      url: `/api/schedules/${await scheduleFixture(ctx)}`,
      body: scheduleBody(ctx),
    }),
    cases: adminsOnly(200),
  },
  'DELETE /api/schedules/:id': {
    call: async (ctx) => ({ method: 'DELETE', url: `/api/schedules/${await scheduleFixture(ctx)}` }),
    cases: adminsOnly(204),
  },
};

// ── Area: single sign-on ────────────────────────────────────────────────────────────────────────────────────
/** A provider row of East's organisation; its issuer is a closed loopback port (no discovery succeeds). */
async function ssoProviderFixture(ctx: Ctx): Promise<string> {
  const id = newId();
  await insertSsoProvider(ctx.world.store.db, {
    org_id: ORG_ID,
    id,
    name: `IdP ${ctx.unique}`,
    issuer: 'http://127.0.0.1:9',
    client_id: 'matrix',
    client_secret_enc: encryptSecret(testConfig().secretKey, 'matrix-secret'),
    allowed_domains_json: '["example.com"]',
    default_business_unit_id: BU.east,
    default_role: 'seller',
    groups_claim: null,
    group_mappings_json: '[]',
    enforce: 0,
    created_at: 0,
    updated_at: 0,
  });
  return id;
}

const ssoBody = (ctx: Ctx) => ({
  name: `IdP ${ctx.unique}`,
  issuer: 'http://127.0.0.1:9',
  clientId: 'matrix',
  clientSecret: 'matrix-secret',
  allowedDomains: ['example.com'],
  defaultBusinessUnitId: BU.east,
  defaultRole: 'seller',
});

const SSO_RULES: RuleTable = {
  // Public: the sign-in page lists the providers and starts sign-in before anyone is signed in.
  'GET /api/auth/sso/providers': {
    call: () => ({ method: 'GET', url: '/api/auth/sso/providers' }),
    cases: anyone(200),
  },
  'GET /api/auth/sso/:id/start': {
    // Anyone may start (no sign-in asked); an unknown provider is not found. The redirect itself is covered by
    // test/identity/sso.test.ts against a real OpenID provider.
    call: () => ({ method: 'GET', url: '/api/auth/sso/no-such-provider/start' }),
    cases: anyone(404),
  },
  'GET /api/auth/sso/callback': {
    // Without the state cookie set by `start`, nobody gets past the callback.
    call: () => ({ method: 'GET', url: '/api/auth/sso/callback?code=x&state=y' }),
    cases: anyone(400),
  },
  'GET /api/admin/sso-providers': {
    call: () => ({ method: 'GET', url: '/api/admin/sso-providers' }),
    cases: adminsOnly(200),
  },
  'POST /api/admin/sso-providers': {
    call: (ctx) => ({ method: 'POST', url: '/api/admin/sso-providers', body: ssoBody(ctx) }),
    cases: adminsOnly(201),
  },
  'PATCH /api/admin/sso-providers/:id': {
    call: async (ctx) => ({
      method: 'PATCH',
      url: `/api/admin/sso-providers/${await ssoProviderFixture(ctx)}`,
      body: { name: `Renamed ${ctx.unique}` },
    }),
    cases: adminsOnly(200),
  },
  'DELETE /api/admin/sso-providers/:id': {
    call: async (ctx) => ({
      method: 'DELETE',
      url: `/api/admin/sso-providers/${await ssoProviderFixture(ctx)}`,
    }),
    cases: adminsOnly(204),
  },
};

// ── Area: signature and conversation (#14) ──────────────────────────────────────────────────────────────────
const CONVERSATION_RULES: RuleTable = {
  'GET /api/me/signature': { call: () => ({ method: 'GET', url: '/api/me/signature' }), cases: self(200) },
  'PUT /api/me/signature': {
    call: () => ({ method: 'PUT', url: '/api/me/signature', body: { html: '<p>Regards</p>' } }),
    cases: self(200),
  },
  'GET /api/records/:id/conversation': {
    resource: 'record',
    call: (ctx) => ({ method: 'GET', url: `/api/records/${ctx.recordId}/conversation` }),
    cases: recordCases('view', 200),
  },
  'POST /api/records/:id/reply/preview': {
    resource: 'record',
    call: async (ctx) => {
      const id = await ctx.fx.email(ctx.recordId, ctx.owner, 'sent');
      return {
        method: 'POST',
        url: `/api/records/${ctx.recordId}/reply/preview`,
        body: { replyTo: `<${id}@stepwise.test>`, subject: 'Re: Hello', html: '<p>Thanks</p>' },
      };
    },
    cases: recordCases('view', 200),
  },
  'POST /api/records/:id/reply': {
    resource: 'record',
    call: async (ctx) => {
      const id = await ctx.fx.email(ctx.recordId, ctx.owner, 'sent');
      return {
        method: 'POST',
        url: `/api/records/${ctx.recordId}/reply`,
        body: { replyTo: `<${id}@stepwise.test>`, subject: 'Re: Hello', html: '<p>Thanks</p>' },
      };
    },
    cases: recordCases('view', 202),
  },
  'POST /api/steps/:id/compose/preview': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'POST',
      url: `/api/steps/${await ctx.fx.step(ctx.recordId, ctx.owner, 'email')}/compose/preview`,
      body: { subject: 'Hello', html: '<p>Hello {{ record.name }}</p>' },
    }),
    cases: recordCases('view', 200),
  },
  'POST /api/email-templates/:id/copy': {
    call: async (ctx) => ({
      method: 'POST',
      url: `/api/email-templates/${await ctx.fx.template('eastSeller2')}/copy`,
    }),
    cases: everyUser(201),
  },
  'GET /api/email-templates/tags': {
    call: () => ({ method: 'GET', url: '/api/email-templates/tags' }),
    cases: everyUser(200),
  },
  'PUT /api/email-templates/:id/tags': {
    call: async (ctx) => ({
      method: 'PUT',
      url: `/api/email-templates/${await ctx.fx.template('eastSeller2')}/tags`,
      body: { tags: ['intro'] },
    }),
    cases: templateEditors(200),
  },
  // "Send me a test" renders a record's data: the record must be visible.
  'POST /api/email-templates/:id/test': {
    resource: 'record',
    call: async (ctx) => ({
      method: 'POST',
      url: `/api/email-templates/${await ctx.fx.template('eastAdmin')}/test`,
      body: { recordId: ctx.recordId },
    }),
    cases: recordCases('view', 202),
  },
  'GET /api/notifications/stream': {
    call: () => ({ method: 'GET', url: '/api/notifications/stream?max=0' }),
    cases: everyUser(200),
  },
};

// OAuth mailboxes (issue 19): a seller's own only; the real flow is test/mail/oauth-mailbox.test.ts.
const OAUTH_MAILBOX_RULES: RuleTable = {
  'POST /api/mailboxes/oauth': {
    // One click through the organisation's registration; the matrix world has none (422 oauth_app_missing).
    call: () => ({ method: 'POST', url: '/api/mailboxes/oauth', body: { preset: 'microsoft' } }),
    cases: everyUser(422),
  },
  'GET /api/mailboxes/oauth/apps': {
    call: () => ({ method: 'GET', url: '/api/mailboxes/oauth/apps' }),
    cases: everyUser(200),
  },
  'GET /api/admin/oauth-apps': {
    call: () => ({ method: 'GET', url: '/api/admin/oauth-apps' }),
    cases: adminsOnly(200),
  },
  'PUT /api/admin/oauth-apps': {
    call: () => ({
      method: 'PUT',
      url: '/api/admin/oauth-apps',
      body: { preset: 'google', clientId: 'c', clientSecret: 's', allowedForSellers: true },
    }),
    cases: adminsOnly(200),
  },
  'DELETE /api/admin/oauth-apps/:preset': {
    // No generic registration exists in the matrix world: admins learn that, others are refused.
    call: () => ({ method: 'DELETE', url: '/api/admin/oauth-apps/generic' }),
    cases: adminsOnly(404),
  },
  'GET /api/mailboxes/oauth': {
    call: () => ({ method: 'GET', url: '/api/mailboxes/oauth' }),
    cases: everyUser(200),
  },
  'GET /api/mailboxes/:id/oauth': {
    call: async (ctx) => ({
      method: 'GET',
      url: `/api/mailboxes/${await ctx.fx.mailbox('eastSeller2')}/oauth`,
    }),
    cases: everyUser(404),
  },
  'GET /api/mailboxes/:id/oauth/start': {
    call: async (ctx) => ({
      method: 'GET',
      url: `/api/mailboxes/${await ctx.fx.mailbox('eastSeller2')}/oauth/start`,
    }),
    cases: everyUser(404),
  },
  'GET /api/mailboxes/oauth/callback': {
    // Without the signed cookie set when connecting, nobody gets past the callback.
    call: () => ({ method: 'GET', url: '/api/mailboxes/oauth/callback?code=x&state=y' }),
    cases: anyone(400),
  },
};

const ALL_RULES: RuleTable = {
  ...RECIPIENT_TIME_RULES,
  ...DIRECTORY_RULES,
  ...SYSTEM_RULES,
  ...TOKEN_RULES,
  ...ADMIN_RULES,
  ...RECORD_RULES,
  ...SEQUENCE_RULES,
  ...TAG_RULES,
  ...TEMPLATE_RULES,
  ...WORK_RULES,
  ...MAIL_RULES,
  ...CONNECTION_RULES,
  ...STEP_RULES,
  ...SEGMENT_RULES,
  ...MAIL_ADMIN_RULES,
  ...INSIGHT_RULES,
  ...SCHEDULE_RULES,
  ...SSO_RULES,
  ...CONVERSATION_RULES,
  ...OAUTH_MAILBOX_RULES,
};

/** Rule keys may carry a note in brackets ("DELETE /api/tokens/:id (of another user)"); the route is before it. */
const routeOf = (key: string) => key.replace(/ \(.*\)$/, '');

// ── Fixtures ────────────────────────────────────────────────────────────────────────────────────────────────

/** Marks the data of East that West must never see, whatever route it calls. */
const EAST_SECRET = `EAST-ONLY-${randomUUID().slice(0, 8)}`;

/** A sequence that can be activated: one manual task. */
const VALID_DEFINITION = {
  start: 'call',
  nodes: [{ id: 'call', kind: 'task', name: 'Call the lead', next: null }],
};

/** A wait first, so the connection's current step is a running wait. */
const WAIT_DEFINITION = {
  start: 'pause',
  nodes: [
    { id: 'pause', kind: 'wait', days: 1, hours: 0, next: 'call' },
    { id: 'call', kind: 'task', name: 'Call the lead', next: null },
  ],
};

/** Definitions whose first step is of the given kind. */
type StepKind = 'task' | 'phone_call' | 'wait' | 'email';
type EmailStatus = 'queued' | 'held' | 'sent';
const DEFINITION_BY_STEP: Record<StepKind, unknown> = {
  email: {
    start: 'mail',
    nodes: [{ id: 'mail', kind: 'email', name: 'Intro', templateId: null, next: null }],
  },
  task: VALID_DEFINITION,
  phone_call: { start: 'ring', nodes: [{ id: 'ring', kind: 'phone_call', name: 'Ring', next: null }] },
  wait: WAIT_DEFINITION,
};

interface Fixtures {
  sequence(owner: WorldUserKey, name?: string): Promise<string>;
  /** Activates a fixture sequence through the API, as an admin. */
  activate(sequenceId: string): Promise<void>;
  /** An export document of a fresh sequence, for import. */
  exportDocument(): Promise<unknown>;
  record(owner: WorldUserKey, name?: string): Promise<string>;
  token(owner: WorldUserKey): Promise<string>;
  session(user: WorldUserKey): Promise<{ cookie: string; csrf: string }>;
  resetPassword(user: WorldUserKey): Promise<void>;
  user(): Promise<string>;
  /** An active sequence owned by `owner` whose first step is `kind` (one per owner and kind: the org allows 250). */
  activeSequence(owner: WorldUserKey, kind?: StepKind): Promise<string>;
  /** Connects the record (as an admin, to an active sequence of `owner`) and runs the engine; the connection id. */
  connect(recordId: string, owner: WorldUserKey, kind?: StepKind): Promise<string>;
  /** The current step of a freshly connected record. */
  step(recordId: string, owner: WorldUserKey, kind: StepKind): Promise<string>;
  bulkJob(createdBy: WorldUserKey): Promise<string>;
  /** An outbound email to the record, sent by `sender`. */
  email(recordId: string, sender: WorldUserKey, status: EmailStatus): Promise<string>;
  /** A mailbox of `user`, made through the API by an admin. */
  mailbox(user: WorldUserKey): Promise<string>;
  /** A webhook, made through the API by an admin. */
  webhook(): Promise<string>;
  segment(): Promise<string>;
  /** A tag; applied to `sequenceId` when given. */
  tag(sequenceId?: string): Promise<string>;
  template(owner: WorldUserKey): Promise<string>;
  businessUnit(): Promise<string>;
  recordField(): Promise<string>;
}

let currentFixtures: Fixtures | undefined;
async function fixturesOf(): Promise<Fixtures> {
  if (!currentFixtures) throw new Error('fixtures used outside a world');
  return currentFixtures;
}

function makeFixtures(world: World): Fixtures {
  const db = world.store.db;
  const engineDeps = {
    store: world.store,
    clock: world.clock,
    logger: silentLogger,
    config: testConfig({ databaseUrl: world.store.url }),
    workerId: 'permission-matrix',
  };
  const activeSequences = new Map<string, string>();
  const now = () => world.clock.now();
  return {
    async sequence(owner, name) {
      const id = newId(now());
      await db
        .insertInto('sequences')
        .values({
          org_id: ORG_ID,
          id,
          name: name ?? `Sequence ${id}`,
          description: '',
          record_type: 'lead',
          owner_id: USERS[owner].id,
          business_unit_id: USERS[owner].businessUnitId,
          status: 'inactive',
          draft_json: JSON.stringify(VALID_DEFINITION),
          active_version_id: null,
          is_template: 0,
          created_at: now(),
          updated_at: now(),
        })
        .execute();
      return id;
    },
    async activate(sequenceId) {
      const row = await db
        .selectFrom('sequences')
        .select('status')
        .where('id', '=', sequenceId)
        .executeTakeFirst();
      if (row?.status === 'active') return;
      const response = await perform(world, 'eastAdmin', {
        method: 'POST',
        url: `/api/sequences/${sequenceId}/activate`,
        body: {},
      });
      if (response.statusCode !== 200) throw new Error(`activate fixture: ${response.body}`);
    },
    async exportDocument() {
      const id = await this.sequence('eastAdmin');
      const response = await perform(world, 'eastAdmin', {
        method: 'GET',
        url: `/api/sequences/${id}/export`,
      });
      if (response.statusCode !== 200) throw new Error(`export fixture: ${response.body}`);
      return response.json();
    },
    async record(owner, name) {
      const id = newId(now());
      await db
        .insertInto('records')
        .values({
          org_id: ORG_ID,
          id,
          type: 'lead',
          name: name ?? `Record ${id}`,
          first_name: null,
          last_name: null,
          company: name ?? null,
          job_title: null,
          email: `${id}@example.com`,
          phone_business: null,
          phone_mobile: null,
          time_zone: null,
          status: 'open',
          stage: null,
          owner_id: USERS[owner].id,
          business_unit_id: USERS[owner].businessUnitId,
          do_not_email: 0,
          do_not_call: 0,
          custom_json: '{}',
          created_at: now(),
          updated_at: now(),
        })
        .execute();
      return id;
    },
    async token(owner) {
      const id = newId(now());
      await db
        .insertInto('api_tokens')
        .values({
          org_id: ORG_ID,
          id,
          user_id: USERS[owner].id,
          name: 'fixture',
          token_hash: hashSecret(randomSecret()),
          created_at: now(),
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
      return id;
    },
    async session(user) {
      const cookie = randomSecret();
      const csrf = randomSecret(24);
      await db
        .insertInto('sessions')
        .values({
          id: hashSecret(cookie),
          org_id: ORG_ID,
          user_id: USERS[user].id,
          csrf_token: csrf,
          expires_at: now() + 3_600_000,
          created_at: now(),
        })
        .execute();
      return { cookie: `sw_session=${cookie}`, csrf };
    },
    async resetPassword(user) {
      await db
        .updateTable('users')
        .set({ password_hash: await testPasswordHash() })
        .where('id', '=', USERS[user].id)
        .execute();
    },
    async user() {
      const id = newId(now());
      await db
        .insertInto('users')
        .values({
          org_id: ORG_ID,
          id,
          email: `${id}@example.com`,
          name: 'Fixture',
          password_hash: await testPasswordHash(),
          business_unit_id: BU.west,
          locale: 'en',
          time_zone: null,
          working_hours_json: '{}',
          preferences_json: '{}',
          active: 1,
          created_at: now(),
        })
        .execute();
      await db
        .insertInto('role_assignments')
        .values({ org_id: ORG_ID, user_id: id, role: 'seller' })
        .execute();
      return id;
    },
    async activeSequence(owner, kind = 'task') {
      const key = `${owner}:${kind}`;
      const cached = activeSequences.get(key);
      if (cached) return cached;
      const id = await this.sequence(owner);
      await db
        .updateTable('sequences')
        .set({ draft_json: JSON.stringify(DEFINITION_BY_STEP[kind]) })
        .where('id', '=', id)
        .execute();
      await this.activate(id);
      activeSequences.set(key, id);
      return id;
    },
    async connect(recordId, owner, kind = 'task') {
      const sequenceId = await this.activeSequence(owner, kind);
      const response = await perform(world, 'eastAdmin', {
        method: 'POST',
        url: `/api/records/${recordId}/connection`,
        body: { sequenceId },
      });
      if (response.statusCode !== 201) throw new Error(`connect fixture: ${response.body}`);
      while ((await processDueBatch(engineDeps)) > 0) {}
      return (response.json() as { connectionId: string }).connectionId;
    },
    async step(recordId, owner, kind) {
      const connectionId = await this.connect(recordId, owner, kind);
      const step = await db
        .selectFrom('step_instances')
        .select(['id', 'status'])
        .where('connection_id', '=', connectionId)
        .where('kind', '=', kind)
        .executeTakeFirst();
      if (!step) throw new Error(`step fixture: no ${kind} step`);
      return step.id;
    },
    async bulkJob(createdBy) {
      const id = newId(now());
      await db
        .insertInto('bulk_jobs')
        .values({
          org_id: ORG_ID,
          id,
          kind: 'connect',
          status: 'done',
          params_json: '{}',
          total: 0,
          processed: 0,
          succeeded: 0,
          failed: 0,
          result_json: '{}',
          created_by: USERS[createdBy].id,
          lease_owner: null,
          lease_until: null,
          created_at: now(),
          updated_at: now(),
        })
        .execute();
      return id;
    },
    async email(recordId, sender, status) {
      const id = newId(now());
      await db
        .insertInto('outbound_messages')
        .values({
          org_id: ORG_ID,
          id,
          connection_id: null,
          step_instance_id: null,
          record_id: recordId,
          sender_user_id: USERS[sender].id,
          to_address: `${recordId}@example.com`,
          subject: 'Hello',
          body_html: '<p>Hello</p>',
          body_text: 'Hello',
          message_id: `<${id}@stepwise.test>`,
          idempotency_key: `matrix:${id}`,
          status,
          hold_reason: status === 'held' ? 'fixture' : null,
          template_id: null,
          variant: null,
          tracking: 0,
          not_before: now(),
          attempts: status === 'queued' ? 0 : 1,
          last_error: null,
          lease_owner: null,
          lease_until: null,
          sent_at: status === 'sent' ? now() : null,
          created_at: now(),
          updated_at: now(),
        })
        .execute();
      return id;
    },
    async mailbox(user) {
      await db.deleteFrom('mailboxes').where('user_id', '=', USERS[user].id).execute();
      const response = await perform(world, 'eastAdmin', {
        method: 'POST',
        url: '/api/mailboxes',
        body: { userId: USERS[user].id, kind: 'catch_all' },
      });
      if (response.statusCode !== 201) throw new Error(`mailbox fixture: ${response.body}`);
      return (response.json() as { id: string }).id;
    },
    async webhook() {
      const response = await perform(world, 'eastAdmin', {
        method: 'POST',
        url: '/api/webhooks',
        body: { url: 'https://hooks.example.com/fixture', events: ['step.completed'] },
      });
      if (response.statusCode !== 201) throw new Error(`webhook fixture: ${response.body}`);
      return (response.json() as { id: string }).id;
    },
    async segment() {
      const id = newId(now());
      await db
        .insertInto('segments')
        .values({
          org_id: ORG_ID,
          id,
          name: `Segment ${id}`,
          record_type: 'lead',
          rule_json: JSON.stringify(SEGMENT_RULE),
          priority: 1,
          sequence_id: await this.activeSequence('eastSeqManager'),
          enabled: 0,
          owner_id: USERS.eastSeqManager.id,
          created_at: now(),
          updated_at: now(),
        })
        .execute();
      return id;
    },
    async tag(sequenceId) {
      const id = newId(now());
      await db
        .insertInto('tags')
        .values({ org_id: ORG_ID, id, name: `Tag ${id}`, parent_id: null, created_at: now() })
        .execute();
      if (sequenceId) {
        await db
          .insertInto('sequence_tags')
          .values({ org_id: ORG_ID, sequence_id: sequenceId, tag_id: id })
          .execute();
      }
      return id;
    },
    async template(owner) {
      const id = newId(now());
      await db
        .insertInto('email_templates')
        .values({
          org_id: ORG_ID,
          id,
          name: `Template ${id}`,
          language: 'en',
          subject: 'Hello {{ record.name }}',
          body_html: '<p>Hello</p>',
          body_text: null,
          record_type: null,
          owner_id: USERS[owner].id,
          builtin: 0,
          created_at: now(),
          updated_at: now(),
        })
        .execute();
      return id;
    },
    async businessUnit() {
      const id = newId(now());
      await db
        .insertInto('business_units')
        .values({ org_id: ORG_ID, id, name: `Unit ${id}`, parent_id: BU.west, created_at: now() })
        .execute();
      return id;
    },
    async recordField() {
      const id = newId(now());
      await db
        .insertInto('record_fields')
        .values({
          org_id: ORG_ID,
          id,
          record_type: 'lead',
          name: `f${id.replaceAll('-', '')}`,
          label: 'Fixture',
          type: 'text',
          options_json: null,
          created_at: now(),
        })
        .execute();
      return id;
    },
  };
}

// ── Running a case ──────────────────────────────────────────────────────────────────────────────────────────

async function perform(world: World, as: Caller, call: Call): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...call.headers };
  const session = call.session ?? (as === 'anonymous' ? undefined : await world.session(as));
  if (session) {
    headers.cookie = [call.headers?.cookie, session.cookie].filter(Boolean).join('; ');
    headers['x-csrf-token'] = session.csrf;
  }
  return world.app.inject({
    method: call.method,
    url: call.url,
    headers,
    ...(call.remoteAddress ? { remoteAddress: call.remoteAddress } : {}),
    ...(call.body === undefined ? {} : { payload: call.body as Record<string, unknown> }),
  });
}

async function runCase(world: World, fx: Fixtures, rule: Rule, c: Case) {
  const unique = randomUUID().slice(0, 13);
  const owner = c.owner ?? 'eastSeller';
  const ctx: Ctx = {
    world,
    fx,
    as: c.as,
    owner,
    unique,
    sequenceId: rule.resource === 'sequence' ? await fx.sequence(owner) : 'no-sequence',
    recordId: rule.resource === 'record' ? await fx.record(owner) : 'no-record',
  };
  return perform(world, c.as, await rule.call(ctx));
}

// ── Tests ───────────────────────────────────────────────────────────────────────────────────────────────────

describe.each(dialects)('permission matrix on %s', (dialect) => {
  let world: World;
  let fx: Fixtures;
  let routes: string[];

  beforeAll(async () => {
    world = await createWorld(dialect);
    fx = makeFixtures(world);
    currentFixtures = fx;
    routes = (
      await registeredRoutes({
        store: world.store,
        config: testConfig({ databaseUrl: world.store.url }),
        clock: world.clock,
      })
    ).map((route) => route.key);
  });
  afterAll(async () => {
    currentFixtures = undefined;
    await world?.close();
  });

  it('has a rule for every registered route (and no rule for a route that does not exist)', () => {
    const ruled = new Set(Object.keys(ALL_RULES).map(routeOf));
    expect(
      routes.filter((route) => !ruled.has(route)),
      'routes without a permission rule',
    ).toEqual([]);
    expect(
      [...ruled].filter((route) => !routes.includes(route)),
      'rules for unknown routes',
    ).toEqual([]);
  });

  /*
   * Decisions are made in TypeScript and do not depend on the database, so the whole matrix runs on SQLite.
   * On PostgreSQL it runs for the collection routes (where visibility is a SQL filter) and the leak check below
   * calls every route there too; this keeps the suite fast.
   */
  const keys = Object.keys(ALL_RULES).filter((key) => dialect === 'sqlite' || !routeOf(key).includes(':'));
  it.each(keys)('%s answers as the matrix says', async (key) => {
    const rule = ALL_RULES[key]!;
    const got: string[] = [];
    const want: string[] = [];
    for (const c of rule.cases) {
      const response = await runCase(world, fx, rule, c);
      const label = `${c.as}${c.owner ? ` on ${c.owner}'s` : ''}`;
      got.push(`${label}: ${response.statusCode}${response.statusCode >= 500 ? ` ${response.body}` : ''}`);
      want.push(`${label}: ${c.expect}`);
      if (response.statusCode === 403 && c.expect === 403) {
        // A refusal names the missing permission (problem+json with a missing_permission problem).
        const body = response.json() as { code: string; problems?: { code: string }[] };
        expect(body.code, `${key} as ${label}`).toBe('forbidden');
        expect(body.problems?.[0]?.code, `${key} as ${label}`).toMatch(/^missing_permission:/);
      }
    }
    expect(got).toEqual(want);
  });

  it('West never sees East: no route shows a sequence or record of East to a West seller', async () => {
    const leaks: string[] = [];
    for (const [key, rule] of Object.entries(ALL_RULES)) {
      // Fresh East data for each route, so one route's change cannot hide another's leak.
      const sequenceId = await fx.sequence('eastSeller', `${EAST_SECRET} sequence ${key}`);
      const recordId = await fx.record('eastSeller', `${EAST_SECRET} record ${key}`);
      const call = await rule.call({
        world,
        fx,
        as: 'westSeller',
        owner: 'eastSeller',
        unique: randomUUID().slice(0, 13),
        sequenceId,
        recordId,
      });
      const response = await perform(world, 'westSeller', call);
      if (response.body.includes(EAST_SECRET) || response.body.includes(`${recordId}@example.com`)) {
        leaks.push(`${key}: shows East data`);
      }
      if (rule.resource && response.statusCode !== 404) leaks.push(`${key}: ${response.statusCode}, not 404`);
    }
    expect(leaks).toEqual([]);
  });

  it("headline: a seller gets 403 naming sequence.delete for a colleague's sequence, 404 for another unit's", async () => {
    const colleagues = await fx.sequence('eastSeller2', 'Colleague sequence');
    const refused = await world.as('eastSeller', 'DELETE', `/api/sequences/${colleagues}`);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({
      code: 'forbidden',
      problems: [{ code: 'missing_permission:sequence.delete' }],
    });
    expect(refused.json().detail).toContain('sequence.delete');
    expect((await world.as('eastSeller', 'GET', `/api/sequences/${colleagues}`)).statusCode).toBe(200);

    const wests = await fx.sequence('westSeller', 'West sequence');
    const hidden = await world.as('eastSeller', 'DELETE', `/api/sequences/${wests}`);
    const missing = await world.as('eastSeller', 'DELETE', `/api/sequences/${newId()}`);
    expect([hidden.statusCode, missing.statusCode]).toEqual([404, 404]);
    // Indistinguishable from a sequence that does not exist.
    expect({ ...hidden.json(), requestId: null }).toEqual({ ...missing.json(), requestId: null });
  });
});
