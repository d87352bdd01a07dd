import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/domain/error-codes.ts';
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
