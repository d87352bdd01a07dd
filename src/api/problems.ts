import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode, isErrorCode } from '../domain/error-codes.ts';
import { DomainError, type DomainErrorKind, type Problem } from '../domain/errors.ts';
import { fieldCodeOfZodIssue, fieldProblemCodes } from '../domain/field-problem-codes.ts';
import { isDatabaseUnavailable, isStorageFull } from '../store/db-errors.ts';

/**
 * Errors leave the API as RFC 9457 `application/problem+json`: a stable `code`, an English `detail`, and for
 * validation errors one entry per problem with the field path.
 */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    /** One of a closed list (ERROR_CODES); integrations may branch on it. */
    code: z.enum(ERROR_CODES),
    detail: z.string(),
    problems: z
      .array(
        z.object({
          path: z.array(z.union([z.string(), z.number()])),
          /** One of a closed list (FIELD_CODES, VALIDATION_CODES, ERROR_CODES) or a missing permission/scope. */
          code: z.union([
            z.enum(fieldProblemCodes(ERROR_CODES) as [string, ...string[]]),
            z.templateLiteral(['missing_permission:', z.string()]),
            z.templateLiteral(['missing_scope:', z.string()]),
          ]),
          message: z.string(),
        }),
      )
      .optional(),
    requestId: z.string().optional(),
  })
  .meta({ id: 'Problem' });
export type ProblemBody = z.infer<typeof ProblemSchema>;

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

export const unauthorized = (message = 'Sign in or send an API token') =>
  new HttpProblem(401, 'unauthenticated', message);
export const forbidden = (permission: string, message?: string) =>
  new HttpProblem(403, 'forbidden', message ?? `You do not have the "${permission}" permission`, [
    { path: [], code: `missing_permission:${permission}`, message: `Missing permission: ${permission}` },
  ]);
export const notFoundProblem = (what: string) => new HttpProblem(404, 'not_found', `${what} not found`);

const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  invalid: 422,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  limit: 409,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

function customCode(params: unknown): string | undefined {
  const code = (params as { params?: { code?: unknown } } | undefined)?.params?.code;
  return typeof code === 'string' ? code : undefined;
}
/**
 * Fastify's own request errors (`FST_ERR_*`) leave as our stable lowercase codes; any other framework 4xx is
 * `bad_request` (its internal code is not part of the API).
 */
const FASTIFY_CODES: Record<string, { status: number; code: ErrorCode; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    detail: 'The request body is larger than this route accepts.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    detail: 'This Content-Type is not accepted here; send application/json.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', detail: 'The body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    detail: 'The body is empty but Content-Type is application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_content_length',
    detail: 'The body size does not match Content-Length.',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'bad_url', detail: 'The URL is not valid.' },
};

function toProblem(error: FastifyError | Error, request: FastifyRequest): ProblemBody {
  const base = (status: number, code: ErrorCode, detail: string, problems?: Problem[]): ProblemBody => ({
    type: `https://stepwise.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...(problems && problems.length > 0 ? { problems } : {}),
    requestId: request.id,
  });
  if (error instanceof HttpProblem) return base(error.status, error.code, error.message, error.problems);
  if (error instanceof DomainError) {
    return base(STATUS_BY_KIND[error.kind], error.code, error.message, error.problems);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? 'body';
    const problems = error.validation.map((issue) => ({
      path: [where, ...issue.instancePath.split('/').filter(Boolean)],
      // A refinement may name its own code (e.g. weak_password) in `params.code`.
      code: fieldCodeOfZodIssue(issue.keyword, customCode(issue.params)),
      message: issue.message ?? 'Invalid value',
    }));
    return base(400, 'validation_failed', 'The request is not valid; see `problems`.', problems);
  }
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error, issues: error.cause.issues }, 'response did not match its schema');
    return base(500, 'internal_error', 'The server produced an invalid response.');
  }
  if (isStorageFull(error)) {
    request.log.error({ err: error }, 'database storage is full');
    return base(507, 'storage_full', `The database could not store the change: ${error.message}`);
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    return base(503, 'database_unavailable', 'The database cannot be reached right now; try again shortly.');
  }
  const fastifyError = error as FastifyError;
  const status = fastifyError.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    return base(500, 'internal_error', 'Something went wrong on our side; the request id helps us find it.');
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return base(known.status, known.code, known.detail);
  if (status === 429) return base(429, 'rate_limited', error.message);
  const code = fastifyError.code && isErrorCode(fastifyError.code) ? fastifyError.code : 'bad_request';
  return base(status, code, error.message);
}

export function sendProblem(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const body = toProblem(error, request);
  return reply.code(body.status).type('application/problem+json').send(body);
}
