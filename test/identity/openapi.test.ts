import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { createWorld } from '../support/world.ts';
import { registeredRoutes } from './registered-routes.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Resolves a local JSON pointer such as `#/components/schemas/Problem`. */
function resolvePointer(document: JsonObject, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let current: Json | undefined = document;
  for (const raw of ref.slice(2).split('/')) {
    const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(current) && !Array.isArray(current)) return undefined;
    current = Array.isArray(current) ? current[Number(part)] : current[part];
  }
  return current;
}

/**
 * A structural check of an OpenAPI 3.1 document: the parts a client generator or docs viewer depends on.
 * Returns one line per problem.
 */
function validateOpenApi31(document: JsonObject): string[] {
  const problems: string[] = [];
  if (typeof document.openapi !== 'string' || !/^3\.1\.\d+$/.test(document.openapi)) {
    problems.push(`openapi must be 3.1.x, is ${JSON.stringify(document.openapi)}`);
  }
  const info = document.info;
  if (!isObject(info) || typeof info.title !== 'string' || typeof info.version !== 'string') {
    problems.push('info needs a title and a version');
  }
  if (!isObject(document.paths)) problems.push('paths must be an object');
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    if (!path.startsWith('/')) problems.push(`path ${path} must start with /`);
    if (!isObject(item)) {
      problems.push(`${path} is not a path item`);
      continue;
    }
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const operations = METHODS.filter((method) => item[method] !== undefined);
    if (operations.length === 0) problems.push(`${path} has no operations`);
    for (const method of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      const operation = item[method];
      if (!isObject(operation)) {
        problems.push(`${where} is not an operation`);
        continue;
      }
      if (typeof operation.operationId === 'string') {
        if (operationIds.has(operation.operationId)) problems.push(`${where}: duplicate operationId`);
        operationIds.add(operation.operationId);
      }
      const responses = operation.responses;
      if (!isObject(responses) || Object.keys(responses).length === 0) {
        problems.push(`${where} has no responses`);
      } else {
        for (const [status, response] of Object.entries(responses)) {
          if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status))
            problems.push(`${where}: bad status key ${status}`);
          if (
            !isObject(response) ||
            (typeof response.description !== 'string' && response.$ref === undefined)
          ) {
            problems.push(`${where} ${status}: a response needs a description`);
          }
        }
      }
      const parameters = Array.isArray(operation.parameters) ? operation.parameters : [];
      const seen = new Set<string>();
      for (const parameter of parameters) {
        if (!isObject(parameter) || typeof parameter.name !== 'string' || typeof parameter.in !== 'string') {
          problems.push(`${where}: a parameter needs a name and "in"`);
          continue;
        }
        if (!['query', 'header', 'path', 'cookie'].includes(parameter.in)) {
          problems.push(`${where}: parameter ${parameter.name} has in=${parameter.in}`);
        }
        const id = `${parameter.in}:${parameter.name}`;
        if (seen.has(id)) problems.push(`${where}: parameter ${id} twice`);
        seen.add(id);
        if (parameter.in === 'path') {
          if (parameter.required !== true)
            problems.push(`${where}: path parameter ${parameter.name} must be required`);
          if (!templated.includes(parameter.name))
            problems.push(`${where}: path parameter ${parameter.name} not in the path`);
        }
        if (parameter.schema === undefined && parameter.content === undefined) {
          problems.push(`${where}: parameter ${parameter.name} has no schema`);
        }
      }
      for (const name of templated) {
        if (!seen.has(`path:${name}`))
          problems.push(`${where}: {${name}} is not declared as a path parameter`);
      }
      const body = operation.requestBody;
      if (body !== undefined && (!isObject(body) || !isObject(body.content))) {
        problems.push(`${where}: requestBody needs content`);
      }
    }
  }
  const schemas = isObject(document.components) ? document.components.schemas : undefined;
  for (const [name, schema] of Object.entries(isObject(schemas) ? schemas : {})) {
    if (!/^[a-zA-Z0-9.\-_]+$/.test(name)) problems.push(`components.schemas.${name}: bad name`);
    if (!isObject(schema) && typeof schema !== 'boolean')
      problems.push(`components.schemas.${name}: not a schema`);
  }
  // Every $ref anywhere points at something in the document.
  const walk = (node: Json, at: string) => {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) walk(child, `${at}/${i}`);
    } else if (isObject(node)) {
      if (typeof node.$ref === 'string' && resolvePointer(document, node.$ref) === undefined) {
        problems.push(`${at}: $ref ${node.$ref} does not resolve`);
      }
      for (const [key, child] of Object.entries(node)) walk(child, `${at}/${key}`);
    }
  };
  walk(document, '#');
  return problems;
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document that lists every registered route', async () => {
    const world = await createWorld('sqlite');
    try {
      const response = await world.as('eastSeller', 'GET', '/api/openapi.json');
      expect(response.statusCode).toBe(200);
      const document = response.json() as JsonObject;
      expect(validateOpenApi31(document)).toEqual([]);

      const routes = await registeredRoutes({
        store: world.store,
        config: testConfig({ databaseUrl: world.store.url }),
        clock: world.clock,
      });
      const paths = isObject(document.paths) ? document.paths : {};
      const missing = routes
        .filter((route) => !route.hidden)
        .filter((route) => {
          const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
          const item = paths[path];
          return !isObject(item) || item[route.method.toLowerCase()] === undefined;
        })
        .map((route) => route.key);
      expect(missing, 'routes missing from /api/openapi.json').toEqual([]);
      expect(routes.filter((route) => !route.hidden).length).toBeGreaterThan(20);

      // Errors are documented as problem+json on the operations that can refuse.
      const me = paths['/api/admin/users'];
      expect(JSON.stringify(isObject(me) ? me.get : null)).toContain('#/components/schemas/Problem');

      // Per-recipient refusals of a bulk email carry a code from the same closed list as every other error.
      const schemas = isObject(document.components) ? document.components.schemas : null;
      const bulk = isObject(schemas) ? schemas.BulkEmailPreview : null;
      expect(JSON.stringify(bulk)).toMatch(/"code":\{[^}]*"enum":\[[^\]]*"no_email_address"/);

      const docs = await world.as('eastSeller', 'GET', '/api/docs');
      expect([200, 302]).toContain(docs.statusCode);
    } finally {
      await world.close();
    }
  });

  it('catches the structural mistakes it is meant to catch', () => {
    const broken: JsonObject = {
      openapi: '3.0.0',
      info: { title: 'x' },
      paths: {
        '/a/{id}': { get: { responses: {} } },
        '/b': {
          post: {
            responses: {
              200: {
                description: 'ok',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } },
              },
            },
          },
        },
      },
    };
    const problems = validateOpenApi31(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        'openapi must be 3.1.x, is "3.0.0"',
        'info needs a title and a version',
        'GET /a/{id} has no responses',
        'GET /a/{id}: {id} is not declared as a path parameter',
        expect.stringContaining('$ref #/components/schemas/Nope does not resolve'),
      ]),
    );
  });
});
