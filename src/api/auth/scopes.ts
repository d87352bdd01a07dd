import type { TokenScope } from '../../domain/identity.ts';
import { HttpProblem } from '../problems.ts';

/** 403 for an API token that lacks the scope a request needs (`insufficient_scope`, as in RFC 6750). */
export const insufficientScope = (scope: TokenScope) =>
  new HttpProblem(403, 'insufficient_scope', `This API token does not have the "${scope}" scope`, [
    { path: [], code: `missing_scope:${scope}`, message: `Missing scope: ${scope}` },
  ]);

/** 401 for an API token past its expiry date. */
export const tokenExpired = () =>
  new HttpProblem(
    401,
    'token_expired',
    'The API token has expired; create a new one under Settings → API tokens',
  );
