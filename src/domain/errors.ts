/**
 * Errors the domain reports. Each has a stable `code` (the UI translates it; integrations branch on it) and an
 * English message for people. `kind` says what went wrong in protocol-neutral terms; the API maps it to a
 * status (invalid → 400/422, not_found → 404, conflict → 409, forbidden → 403, limit → 409).
 */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'limit';

import type { ErrorCode } from './error-codes.ts';
import type { FieldProblemCode } from './field-problem-codes.ts';

export type { ErrorCode };

export interface Problem {
  /** Where the problem is: a field path (`["nodes", 2, "days"]`) or a node id (`["node", "n4"]`). */
  path: (string | number)[];
  code: FieldProblemCode;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: ErrorCode,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, code: ErrorCode = 'not_found') =>
  new DomainError('not_found', code, `${what} not found`);
