import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/domain/error-codes.ts';
import { FIELD_CODES, fieldProblemCodes } from '../../src/domain/field-problem-codes.ts';
import { VALIDATION_CODES } from '../../src/domain/sequence/validation-types.ts';
import { catalogues } from '../../web/src/i18n/catalogues.ts';
import { createWorld } from '../support/world.ts';

/** The closed list of API error codes drives the problem+json answers, the OpenAPI document and the UI. */
describe('error codes', () => {
  for (const lang of Object.keys(catalogues) as (keyof typeof catalogues)[]) {
    it(`every code has a message in ${lang}`, () => {
      const messages = catalogues[lang].errors as Record<string, unknown>;
      const missing = ERROR_CODES.filter((code) => typeof messages[code] !== 'string' || !messages[code]);
      expect(missing).toEqual([]);
    });
  }

  for (const lang of Object.keys(catalogues) as (keyof typeof catalogues)[]) {
    it(`every field problem code has a message in ${lang}`, () => {
      const messages = catalogues[lang].errors as Record<string, unknown>;
      const codes = [...FIELD_CODES, ...VALIDATION_CODES, 'missing_permission', 'missing_scope'];
      const missing = codes.filter((code) => typeof messages[code] !== 'string' || !messages[code]);
      expect(missing).toEqual([]);
    });
  }

  it('field codes are stable lowercase codes, each in one list only', () => {
    const all = [...FIELD_CODES, ...VALIDATION_CODES, ...ERROR_CODES];
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((code) => !/^[a-z][a-z0-9_]*$/.test(code))).toEqual([]);
  });

  it('the list has no duplicates and only stable lowercase codes', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(ERROR_CODES.filter((code) => !/^[a-z][a-z0-9_]*$/.test(code))).toEqual([]);
  });
});

describe('error codes in the API', () => {
  it('the OpenAPI Problem schema lists exactly the codes, and answers use them', async () => {
    const world = await createWorld('sqlite');
    try {
      const document = (await world.as('eastSeller', 'GET', '/api/openapi.json')).json();
      const problem = document.components.schemas.Problem;
      expect(problem.properties.code.enum).toEqual([...ERROR_CODES]);
      // Field problems carry a code of the closed field list (or a missing permission/scope pattern).
      const fieldCode = problem.properties.problems.items.properties.code;
      expect(fieldCode.anyOf[0].enum).toEqual([...fieldProblemCodes(ERROR_CODES)]);
      expect(fieldCode.anyOf.slice(1).map((part: { pattern: string }) => part.pattern)).toEqual([
        '^missing_permission:[\\s\\S]{0,}$',
        '^missing_scope:[\\s\\S]{0,}$',
      ]);
      // A zod issue leaves as a member of the list.
      const badShape = await world.as('eastSeller', 'POST', '/api/sequences', { name: 42 });
      expect(badShape.statusCode).toBe(400);
      const codes = badShape.json().problems.map((p: { code: string }) => p.code);
      expect(codes).toContain('invalid_type');
      expect(codes.every((code: string) => fieldProblemCodes(ERROR_CODES).includes(code))).toBe(true);

      const missing = await world.as('eastSeller', 'GET', '/api/records/nope/up-next');
      expect(missing.statusCode).toBe(404);
      expect(ERROR_CODES).toContain(missing.json().code);
      // A framework error with a code of its own leaves as a code of the list.
      const badJson = await world.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"email":',
      });
      expect(badJson.statusCode).toBe(400);
      expect(badJson.json().code).toBe('invalid_json');
    } finally {
      await world.close();
    }
  });
});
