import fc from 'fast-check';
import { testConfig } from '../../src/config.ts';
import { CALLS_ONLY, engineOf, insertRecord, insertSequence } from '../connections/helpers.ts';
import { registeredRoutes } from '../identity/registered-routes.ts';
import { ORG_ID, USERS, type World } from '../support/world.ts';
import { swapLeaf } from './schema-arbitrary.ts';

/**
 * Hostile input for the "no 5xx" fuzz test: strings that have broken servers before (NUL, lone surrogates, huge,
 * template and SQL syntax, formula cells, prototype keys), numbers at the edges, deep and odd JSON shapes, with
 * the field names the API uses so that some bodies get past the first check.
 */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF\uD800',
  '😀'.repeat(50),
  '\u202Eevil',
  'a'.repeat(70_000),
  '../../../../etc/passwd',
  '{% include "package.json" %}',
  '{{ record.name | upcase }}',
  "' OR 1=1 --",
  '"; DROP TABLE records; --',
  '<script>alert(1)</script>',
  '=HYPERLINK("http://x")',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  'Europe/Warsaw',
  'lead',
  'active',
  'admin',
  'seller',
  'http://127.0.0.1:1/',
  'east.seller@example.com',
  'WEST.SELLER@EXAMPLE.COM',
  '2026-02-30',
  '25:61',
  '%00',
  '%2e%2e%2f',
];

export const FIELD_NAMES = [
  'name',
  'email',
  'password',
  'currentPassword',
  'newPassword',
  'roles',
  'businessUnitId',
  'parentId',
  'recordType',
  'type',
  'sequenceId',
  'recordIds',
  'connectionIds',
  'rule',
  'priority',
  'enabled',
  'definition',
  'start',
  'nodes',
  'id',
  'kind',
  'next',
  'templateId',
  'subject',
  'bodyHtml',
  'bodyText',
  'html',
  'text',
  'language',
  'url',
  'events',
  'secret',
  'host',
  'port',
  'username',
  'secure',
  'fields',
  'custom',
  'status',
  'stage',
  'ownerId',
  'tagId',
  'days',
  'hours',
  'outcome',
  'note',
  'until',
  'mime',
  'document',
  'csv',
  'mapping',
  'timeZone',
  'locale',
  'label',
  'options',
  'reason',
  'changeNote',
  'description',
  'value',
  'values',
  'required',
  'isTemplate',
  'workingHours',
  'featureRoles',
  'stages',
  'holidays',
  'doNotEmail',
  'doNotCall',
  'company',
  'firstName',
  'lastName',
  'active',
  'recordId',
  'stepId',
  'to',
  'from',
  'until',
  '__proto__',
  'constructor',
];

export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
);

const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 0.1),
);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const hostileJson: fc.Arbitrary<Json> = fc.letrec<{ value: Json; object: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    tie('object'),
  ),
  object: fc.dictionary(
    fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 8 })),
    tie('value'),
    {
      maxKeys: 6,
    },
  ),
})).value;

export interface HostileRequest {
  params: string[];
  query: [string, string][];
  body:
    | { kind: 'json'; value: Json }
    | { kind: 'raw'; contentType: string; payload: string }
    | { kind: 'none' };
}

/** `validBody`: bodies that pass the route's schema (from OpenAPI); one leaf is then made hostile, or none. */
export const hostileRequest = (ids: string[], validBody?: fc.Arbitrary<Json>): fc.Arbitrary<HostileRequest> =>
  fc.record({
    params: fc.array(
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: hostileString }),
      { minLength: 3, maxLength: 3 },
    ),
    query: fc.array(
      fc.tuple(fc.constantFrom(...FIELD_NAMES, 'secret', 'map', 'q', 'cursor'), hostileString),
      {
        maxLength: 3,
      },
    ),
    body: fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('json' as const), value: hostileJson }) },
      ...(validBody
        ? [
            {
              weight: 8,
              arbitrary: fc
                .tuple(validBody, fc.nat(), hostileJson, fc.boolean())
                .map(([valid, index, hostile, keep]) => ({
                  kind: 'json' as const,
                  value: keep ? valid : swapLeaf(valid, index, hostile),
                })),
            },
          ]
        : []),
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('raw' as const),
          contentType: fc.constantFrom(
            'application/json',
            'text/plain',
            'text/csv',
            'message/rfc822',
            'application/octet-stream',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
          ),
          payload: fc.oneof(
            hostileString,
            fc.constantFrom('{"a":', '[[[[', '{"__proto__":{"x":1}}', 'a=1&a=2&b[c]=3'),
          ),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    ),
  });

/** The URL of a route with its `:params` (and a `*` tail) replaced. */
export function fillUrl(url: string, request: HostileRequest): string {
  let i = 0;
  const encode = (text: string) =>
    encodeURIComponent(
      text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
    );
  const path = url.replace(/:[A-Za-z0-9_]+|\*/g, () => encode(request.params[i++ % 3] ?? 'x'));
  const query = request.query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  return query ? `${path}?${query}` : path;
}

/** Write routes (everything but GET), from the route modules themselves, so a new route is fuzzed too. */
export async function writeRoutes(world: World) {
  const routes = await registeredRoutes({
    store: world.store,
    config: testConfig({ databaseUrl: world.store.url }),
    clock: world.clock,
  });
  return routes.filter((route) => route.method !== 'GET');
}

/**
 * Something of every kind for the params to name, so requests get past "not found": a sequence with a live
 * connection and its steps, a record, a tag with a child, a segment, a template, a custom field, a unit, users.
 * The signed-in admin's own id is left out (so the fuzz does not lock itself out).
 */
export async function seedFuzzWorld(world: World): Promise<string[]> {
  const { sequenceId } = await insertSequence(world, CALLS_ONLY);
  const recordId = await insertRecord(world, { email: null });
  await world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, { sequenceId });
  await engineOf(world).drain();
  const parent = (await world.as('eastAdmin', 'POST', '/api/tags', { name: 'Region' })).json();
  await world.as('eastAdmin', 'POST', '/api/tags', { name: 'region', parentId: parent.id });
  await world.as('eastAdmin', 'POST', '/api/segments', {
    name: 'All leads',
    recordType: 'lead',
    rule: {
      combine: 'and',
      groups: [{ combine: 'and', conditions: [{ field: 'company', operator: 'contains', value: 'a' }] }],
    },
    priority: 1,
    sequenceId,
  });
  await world.as('eastAdmin', 'POST', '/api/record-fields', {
    recordType: 'lead',
    name: 'budget',
    label: 'Budget',
    type: 'number',
  });
  const db = world.store.db;
  const ids = async (table: 'sequences' | 'records' | 'tags' | 'segments' | 'email_templates') =>
    (await db.selectFrom(table).select('id').where('org_id', '=', ORG_ID).limit(3).execute()).map(
      (r) => r.id,
    );
  const more = await Promise.all([
    ids('sequences'),
    ids('records'),
    ids('tags'),
    ids('segments'),
    ids('email_templates'),
    db.selectFrom('record_fields').select('id').limit(2).execute(),
    db.selectFrom('business_units').select('id').limit(3).execute(),
    db.selectFrom('step_instances').select('id').limit(3).execute(),
    db.selectFrom('connections').select('id').limit(2).execute(),
  ]);
  const users = Object.values(USERS)
    .map((u) => u.id)
    .filter((id) => id !== USERS.eastAdmin.id);
  return [
    ...more.flat().map((row) => (typeof row === 'string' ? row : row.id)),
    ...users,
    'builtin:cold-outreach',
    '1',
  ];
}
