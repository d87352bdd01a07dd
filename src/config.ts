import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { parseAllowList } from './net/outbound-address.ts';
import { DEFAULT_DATABASE_URL } from './store/db.ts';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const otlpProtocol = z.enum(['http/json'], 'only http/json is supported (traces are sent as OTLP/HTTP JSON)');

/** How to write special characters in a URL's user name and password (the value itself is never echoed). */
const NOT_A_URL =
  'is not a valid URL (check the host and port; percent-encode special characters in the user name and password: / as %2F, # as %23, ? as %3F, @ as %40)';

/**
 * DATABASE_URL as the PostgreSQL driver reads it (pg-connection-string: spaces and stray `%` are encoded first,
 * an empty host is allowed), or a SQLite file name. A URL the driver cannot parse would otherwise fail later
 * with a bare "Invalid URL" that names no variable.
 */
function checkDatabaseUrl(url: string, ctx: z.RefinementCtx): void {
  if (url.startsWith('sqlite:')) {
    if (url.slice('sqlite:'.length).trim() === '') {
      ctx.addIssue({
        code: 'custom',
        message: 'names no file; use sqlite:<path>, e.g. sqlite:./data/stepwise.db',
      });
    }
    return;
  }
  let text = url;
  if (/ |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(text)) text = encodeURI(text).replace(/%25(\d\d)/g, '%$1');
  if (!parsesAsUrl(text) && !parsesAsUrl(text.replace('@/', '@dummy/'))) {
    ctx.addIssue({ code: 'custom', message: NOT_A_URL });
  }
}

/** SMTP_URL is parsed when the first email is sent: a bad one would fail every delivery instead of the start. */
function checkSmtpUrl(url: string, ctx: z.RefinementCtx): void {
  let host = '';
  try {
    host = new URL(url).hostname;
  } catch {
    ctx.addIssue({ code: 'custom', message: NOT_A_URL });
    return;
  }
  if (host === '')
    ctx.addIssue({ code: 'custom', message: 'names no host, e.g. smtp://user:pass@smtp.example.com:587' });
}

function parsesAsUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

/** Each proxy address or CIDR range of TRUST_PROXY, checked as Fastify (proxy-addr) will read it. */
function checkProxyAddresses(value: string, ctx: z.RefinementCtx): void {
  if (/^(true|false|\d{1,2})$/.test(value)) return;
  for (const entry of value.split(',').map((part) => part.trim())) {
    const [address = '', bits, extra] = entry.split('/');
    let problem: string | null = null;
    if (extra !== undefined || !ipaddr.isValid(address))
      problem = `"${entry}" is not an IP address or CIDR range`;
    else if (bits !== undefined) {
      const max = ipaddr.parse(address).kind() === 'ipv4' ? 32 : 128;
      const valid = /^\d{1,3}$/.test(bits) ? Number(bits) <= max : ipaddr.IPv4.isValid(bits);
      if (!valid) problem = `"${entry}" is not a valid CIDR range`;
    }
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }
}

/** Every setting comes from an environment variable; docs/configuration.md lists them. */
const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://')
    .superRefine(checkDatabaseUrl)
    .default(DEFAULT_DATABASE_URL),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  // Tracking, pixel and unsubscribe links are built on it: a value without http(s):// gives links nobody can open.
  PUBLIC_URL: httpUrl.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STEPWISE_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  STEPWISE_SECRET_KEY_FILE: z.string().default('./data/secret.key'),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(12),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .superRefine(checkSmtpUrl)
    .optional(),
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  WORKER_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(16).optional(),
  OUTBOUND_ALLOW_HOSTS: z.string().max(10_000).optional(),
  MAILBOX_TEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(15),
  PUBLIC_API_DOCS: z.enum(['true', 'false']).default('false'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(0),
  DATABASE_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(10_000),
  DATABASE_SSL_CA_FILE: z
    .string()
    .min(1)
    .refine((file) => existsSync(file), 'file not found')
    .optional(),
  TRUST_PROXY: z
    .string()
    .trim()
    .regex(
      /^(true|false|\d{1,2}|[0-9a-fA-F:./]+(\s*,\s*[0-9a-fA-F:./]+)*)$/,
      'use true, false, a hop count, or comma-separated proxy addresses/CIDR ranges',
    )
    .superRefine(checkProxyAddresses)
    .default('false'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_PUBLIC: z.enum(['true', 'false']).default('false'),
  SHUTDOWN_TIMEOUT: z.coerce.number().int().min(1).max(3600).default(20),
  API_TOKEN_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(600),
  INBOUND_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  INBOUND_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  INBOUND_SMTP_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(100 * 1024 * 1024)
    .default(25 * 1024 * 1024),
  BOUNCE_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/i, 'must be a domain name such as bounces.example.com')
    .optional(),
  BOUNCE_LOCAL_PART: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,13}$/i, 'letters, digits, dot, dash or underscore; at most 14 characters')
    .default('bounces'),
  // OpenTelemetry traces (src/tracing): the standard variables; off unless an OTLP endpoint or exporter is set.
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).default('false'),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none'], 'use otlp or none').optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(200).optional(),
});

export interface Config {
  databaseUrl: string;
  port: number;
  host: string;
  publicUrl: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Key for encrypting mailbox secrets and signing tracking tokens. */
  secretKey: string;
  sessionTtlMs: number;
  smtpUrl: string | undefined;
  /** `concurrency`: engine batches one PostgreSQL worker applies at once (SQLite: always one writer). */
  worker: { batchSize: number; pollMs: number; leaseMs: number; concurrency: number };
  cookieSecure: boolean;
  /**
   * Hosts, IP addresses or CIDR ranges that webhooks and mailboxes may reach although they are private,
   * loopback or link-local (src/net/outbound-address.ts).
   */
  outboundAllowList: string[];
  /** A mailbox test answers every failure after exactly this long (no timing oracle for port scans). */
  mailboxTestTimeoutMs: number;
  /** Serve /api/docs and /api/openapi.json without sign-in. */
  publicApiDocs: boolean;
  /** PostgreSQL pool (ignored for SQLite, which has one connection per process). */
  database: DatabaseSettings;
  /**
   * Fastify `trustProxy`: false (default, the socket address is the client), true (believe X-Forwarded-For
   * entirely), a number of proxy hops, or the proxies' addresses/CIDR ranges (comma-separated).
   */
  trustProxy: boolean | number | string;
  /** /api/metrics: readable with this bearer token, by admins, or by anyone when `public`. */
  metrics: { token: string | undefined; public: boolean };
  /** After SIGTERM/SIGINT, the process exits (status 1) at the latest after this long. */
  shutdownTimeoutMs: number;
  /** Requests per API token and minute, counted across processes in the database; 0 = no limit. */
  apiTokenRateLimit: number;
  /** The inbound SMTP listener (src/mail/smtp-listener.ts): off unless a port is set. */
  inboundSmtp: InboundSmtpSettings;
  /** VERP return paths (`bounces+TOKEN@domain`, src/mail/verp.ts): off unless a bounce domain is set. */
  verp: VerpSettings | null;
  /** OpenTelemetry traces over OTLP/HTTP (src/tracing): null = off, nothing of OpenTelemetry is loaded. */
  tracing: TracingSettings | null;
}

export interface TracingSettings {
  /** Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  url: string;
  serviceName: string;
}

export interface InboundSmtpSettings {
  port: number | undefined;
  host: string;
  /** Larger messages are refused with 552 before they are read in full. */
  maxBytes: number;
}

export interface VerpSettings {
  domain: string;
  localPart: string;
}

export interface DatabaseSettings {
  poolSize: number;
  /** Server-side `statement_timeout` per connection; 0 = none. */
  statementTimeoutMs: number;
  /** An idle pooled connection is closed after this long; 0 = never. */
  idleTimeoutMs: number;
  /** PEM of the CA that signed the server's certificate (verified), or undefined for the URL's own sslmode. */
  sslCa: string | undefined;
}

export class ConfigError extends Error {}

/**
 * Engine batches one worker applies at once (WORKER_CONCURRENCY; default 3, fewer when the pool is small: the
 * process advances one batch while the server writes the others; see docs/engine.md). A batch holds one pooled connection for its transaction and takes a second for its journal, so
 * with too few connections every batch could hold one and wait for another: two per batch plus two for the rest.
 * A value the pool cannot serve is refused. SQLite runs one batch at a time whatever the value.
 */
function workerConcurrency(set: number | undefined, poolSize: number, databaseUrl: string): number {
  if (poolSize < 2 && !databaseUrl.startsWith('sqlite:')) {
    // An engine batch holds one connection for its transaction and needs a second for its journal: with one, the
    // worker waits for itself until the pool's connection timeout, every round.
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_POOL_SIZE: at least 2 on PostgreSQL (an engine batch uses two connections at once)',
    );
  }
  const poolAllows = Math.max(1, Math.floor((poolSize - 2) / 2));
  if (set === undefined) return Math.min(3, poolAllows);
  if (set > poolAllows && !databaseUrl.startsWith('sqlite:')) {
    throw new ConfigError(
      `Invalid configuration:\n  WORKER_CONCURRENCY: ${set} batches at once need DATABASE_POOL_SIZE of at least ${2 * set + 2} (it is ${poolSize})`,
    );
  }
  return set;
}

/** Reads and validates the environment; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset (as OpenTelemetry's spec says): compose files pass `${SMTP_URL:-}`.
  const set = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = EnvSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const concurrency = workerConcurrency(e.WORKER_CONCURRENCY, e.DATABASE_POOL_SIZE, e.DATABASE_URL);
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    databaseUrl: e.DATABASE_URL,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    logLevel: e.LOG_LEVEL,
    secretKey:
      e.STEPWISE_SECRET_KEY ??
      readOrCreateSecretKey(
        e.STEPWISE_SECRET_KEY_FILE,
        !(env.NODE_ENV === 'production' && /^postgres(ql)?:/.test(e.DATABASE_URL)),
      ),
    sessionTtlMs: e.SESSION_TTL_HOURS * 3_600_000,
    smtpUrl: e.SMTP_URL,
    worker: {
      batchSize: e.WORKER_BATCH_SIZE,
      pollMs: e.WORKER_POLL_MS,
      leaseMs: e.WORKER_LEASE_MS,
      concurrency,
    },
    cookieSecure: publicUrl.startsWith('https://'),
    outboundAllowList: parseAllowList(e.OUTBOUND_ALLOW_HOSTS),
    mailboxTestTimeoutMs: e.MAILBOX_TEST_TIMEOUT_SECONDS * 1000,
    publicApiDocs: e.PUBLIC_API_DOCS === 'true',
    database: {
      poolSize: e.DATABASE_POOL_SIZE,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      idleTimeoutMs: e.DATABASE_IDLE_TIMEOUT_MS,
      sslCa: e.DATABASE_SSL_CA_FILE ? readFileSync(e.DATABASE_SSL_CA_FILE, 'utf8') : undefined,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT * 1000,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    metrics: { token: e.METRICS_TOKEN, public: e.METRICS_PUBLIC === 'true' },
    apiTokenRateLimit: e.API_TOKEN_RATE_LIMIT,
    inboundSmtp: { port: e.INBOUND_SMTP_PORT, host: e.INBOUND_SMTP_HOST, maxBytes: e.INBOUND_SMTP_MAX_BYTES },
    verp: e.BOUNCE_DOMAIN ? { domain: e.BOUNCE_DOMAIN.toLowerCase(), localPart: e.BOUNCE_LOCAL_PART } : null,
    tracing: tracingOf(e),
  };
}

/** On with an OTLP endpoint or OTEL_TRACES_EXPORTER=otlp (default endpoint localhost:4318); off by default. */
function tracingOf(e: z.infer<typeof EnvSchema>): TracingSettings | null {
  if (e.OTEL_SDK_DISABLED === 'true' || e.OTEL_TRACES_EXPORTER === 'none') return null;
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint && e.OTEL_TRACES_EXPORTER !== 'otlp') return null;
  const url =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    `${(e.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  return { url, serviceName: e.OTEL_SERVICE_NAME ?? 'stepwise' };
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.replace(/\s+/g, '');
}

/**
 * Embedded default: a random key kept beside the database so restarts keep sessions and secrets readable. A key
 * file that cannot be read or is empty stops the process. In production on PostgreSQL (`createAllowed` false) no
 * key is made up: the processes of such a deployment usually run on several machines, each would make its own
 * key, and each would then refuse the others' tracking links and fail to read the secrets they stored.
 */
function readOrCreateSecretKey(file: string, createAllowed: boolean): string {
  if (existsSync(file)) {
    let key: string;
    try {
      key = readFileSync(file, 'utf8').trim();
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new ConfigError(
        `Invalid configuration:\n  STEPWISE_SECRET_KEY_FILE: cannot read ${file} (${reason})`,
      );
    }
    if (key === '') {
      throw new ConfigError(
        `Invalid configuration:\n  STEPWISE_SECRET_KEY_FILE: ${file} is empty; put a key of at least 32 characters in it (openssl rand -hex 32), or delete it to have one made`,
      );
    }
    return key;
  }
  if (!createAllowed) {
    throw new ConfigError(
      `Invalid configuration:\n  STEPWISE_SECRET_KEY: not set, and its file ${file} (STEPWISE_SECRET_KEY_FILE) does not exist. With NODE_ENV=production on PostgreSQL every process must use the same key: set STEPWISE_SECRET_KEY (openssl rand -hex 32) in the environment of every process`,
    );
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** A config for tests: in-memory SQLite unless given, fixed key, quiet logs. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    databaseUrl: 'sqlite::memory:',
    port: 0,
    host: '127.0.0.1',
    publicUrl: 'http://localhost:3000',
    logLevel: 'silent',
    secretKey: 'test-secret-key-0123456789abcdef0123456789abcdef',
    sessionTtlMs: 12 * 3_600_000,
    smtpUrl: undefined,
    worker: { batchSize: 200, pollMs: 50, leaseMs: 30_000, concurrency: 1 },
    cookieSecure: false,
    // The test harness's SMTP, IMAP and webhook servers listen on loopback, which Stepwise refuses to reach
    // unless allow-listed: the tests allow it through the same setting an operator uses (OUTBOUND_ALLOW_HOSTS).
    outboundAllowList: ['127.0.0.1', 'localhost', '::1'],
    mailboxTestTimeoutMs: 1000,
    publicApiDocs: false,
    database: { poolSize: 10, statementTimeoutMs: 0, idleTimeoutMs: 10_000, sslCa: undefined },
    shutdownTimeoutMs: 20_000,
    trustProxy: false,
    metrics: { token: undefined, public: false },
    apiTokenRateLimit: 600,
    inboundSmtp: { port: undefined, host: '127.0.0.1', maxBytes: 25 * 1024 * 1024 },
    verp: null,
    tracing: null,
    ...overrides,
  };
}
