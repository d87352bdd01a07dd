import type { DestinationStream, LoggerOptions } from 'pino';

/**
 * Secrets never reach the logs: header and body fields that carry credentials are replaced by `[redacted]`
 * (pino `redact`), and the request URL is logged with the values of secret-bearing query parameters removed
 * (`/api/inbound/mime?secret=[redacted]`) — pino cannot redact part of a string, so the `req` serializer does it.
 */
export const CENSOR = '[redacted]';

/** Query parameters whose values are credentials (case-insensitive). */
const SECRET_QUERY_PARAMS = new Set([
  'secret',
  'token',
  'access_token',
  'password',
  'key',
  'api_key',
  'apikey',
  'signature',
  'code',
]);

const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-csrf-token',
  'x-login-token',
  'x-stepwise-inbound-secret',
  'proxy-authorization',
];

const SECRET_FIELDS = [
  'password',
  'currentPassword',
  'newPassword',
  'pass',
  'secret',
  'token',
  'csrfToken',
  'loginToken',
  'secretKey',
  'clientSecret',
  'smtpUrl',
];

export const REDACT_PATHS: string[] = [
  ...SECRET_HEADERS.flatMap((h) => [
    `headers["${h}"]`,
    `req.headers["${h}"]`,
    `res.headers["${h}"]`,
    `request.headers["${h}"]`,
  ]),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

/** The URL with the values of secret query parameters replaced; anything unparsable keeps only its path. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const path = url.slice(0, q);
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name: string;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' ')).toLowerCase();
      } catch {
        return `${rawName.slice(0, 40)}=${CENSOR}`;
      }
      return SECRET_QUERY_PARAMS.has(name) && eq >= 0 ? `${rawName}=${CENSOR}` : pair;
    });
  return `${path}?${parts.join('&')}`;
}

interface RequestLike {
  method?: string;
  url?: unknown;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
  raw?: unknown;
}

/** Fastify requests are logged as method, URL (redacted) and peer; plain objects keep their fields. */
function serializeRequest(req: RequestLike): Record<string, unknown> {
  if (req.raw === undefined) {
    return typeof req.url === 'string' ? { ...req, url: redactUrl(req.url) } : { ...req };
  }
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : undefined,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** pino options shared by the HTTP server's logger and the CLI's logger. */
export function redactingLoggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    serializers: {
      req: serializeRequest,
    },
  };
}

export type LogStream = DestinationStream;
