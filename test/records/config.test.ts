import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const KEY = 'k'.repeat(40);

describe('loadConfig (docs/configuration.md)', () => {
  it('applies the documented defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepwise-config-'));
    const keyFile = join(dir, 'secret.key');
    const config = loadConfig({ STEPWISE_SECRET_KEY_FILE: keyFile });
    expect(config).toMatchObject({
      databaseUrl: 'sqlite:./data/stepwise.db',
      port: 3000,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:3000',
      logLevel: 'info',
      sessionTtlMs: 12 * 3_600_000,
      smtpUrl: undefined,
      worker: { batchSize: 500, pollMs: 1000, leaseMs: 60_000, concurrency: 3 },
      cookieSecure: false,
      outboundAllowList: [],
      mailboxTestTimeoutMs: 15_000,
      publicApiDocs: false,
    });
    // Without STEPWISE_SECRET_KEY a random key is created once and reused.
    expect(config.secretKey).toBe(readFileSync(keyFile, 'utf8').trim());
    expect(loadConfig({ STEPWISE_SECRET_KEY_FILE: keyFile }).secretKey).toBe(config.secretKey);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/stepwise',
      PORT: '8080',
      HOST: '127.0.0.1',
      PUBLIC_URL: 'https://sales.example.com/',
      LOG_LEVEL: 'warn',
      STEPWISE_SECRET_KEY: KEY,
      SESSION_TTL_HOURS: '8',
      SMTP_URL: 'smtps://user:pass@smtp.example.com:465',
      WORKER_BATCH_SIZE: '1000',
      WORKER_POLL_MS: '250',
      WORKER_LEASE_MS: '30000',
      WORKER_CONCURRENCY: '4',
      OUTBOUND_ALLOW_HOSTS: 'smtp.internal, 10.20.0.0/16',
      MAILBOX_TEST_TIMEOUT_SECONDS: '5',
      PUBLIC_API_DOCS: 'true',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/stepwise',
      port: 8080,
      host: '127.0.0.1',
      publicUrl: 'https://sales.example.com',
      logLevel: 'warn',
      secretKey: KEY,
      sessionTtlMs: 8 * 3_600_000,
      smtpUrl: 'smtps://user:pass@smtp.example.com:465',
      worker: { batchSize: 1000, pollMs: 250, leaseMs: 30_000, concurrency: 4 },
      cookieSecure: true,
      outboundAllowList: ['smtp.internal', '10.20.0.0/16'],
      mailboxTestTimeoutMs: 5000,
      publicApiDocs: true,
    });
  });

  it('refuses more engine batches at once than the PostgreSQL pool can serve', () => {
    const postgres = { STEPWISE_SECRET_KEY: KEY, DATABASE_URL: 'postgres://u:p@db:5432/stepwise' };
    expect(() => loadConfig({ ...postgres, WORKER_CONCURRENCY: '5' })).toThrow(
      /WORKER_CONCURRENCY: 5 batches at once need DATABASE_POOL_SIZE of at least 12 \(it is 10\)/,
    );
    expect(
      loadConfig({ ...postgres, WORKER_CONCURRENCY: '5', DATABASE_POOL_SIZE: '12' }).worker.concurrency,
    ).toBe(5);
    expect(loadConfig({ ...postgres, WORKER_CONCURRENCY: '4' }).worker.concurrency).toBe(4);
    // Unset: 3, or what a smaller pool can serve.
    const byDefault = (pool: string) =>
      loadConfig({ ...postgres, DATABASE_POOL_SIZE: pool }).worker.concurrency;
    expect([byDefault('10'), byDefault('8'), byDefault('7'), byDefault('6'), byDefault('5')]).toEqual([
      3, 3, 2, 2, 1,
    ]);
    // SQLite has one connection and runs one batch at a time whatever the setting.
    expect(loadConfig({ STEPWISE_SECRET_KEY: KEY, WORKER_CONCURRENCY: '16' }).worker.concurrency).toBe(16);
  });

  it('takes an empty variable as unset, as docker-compose.yml passes an unset SMTP_URL as empty', () => {
    const config = loadConfig({
      STEPWISE_SECRET_KEY: KEY,
      SMTP_URL: '',
      METRICS_TOKEN: '',
      TRUST_PROXY: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
    });
    expect(config).toMatchObject({ smtpUrl: undefined, trustProxy: false, tracing: null });
    expect(config.metrics.token).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://db/stepwise'],
    ['LOG_LEVEL', 'loud'],
    ['STEPWISE_SECRET_KEY', 'short'],
    ['SMTP_URL', 'http://mail'],
    ['WORKER_BATCH_SIZE', '0'],
    ['PUBLIC_URL', 'not a url'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'grpc://collector:4317'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf'],
    ['OTEL_TRACES_EXPORTER', 'jaeger'],
  ])('stops on a bad %s (%s) and names the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ STEPWISE_SECRET_KEY: KEY, [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${name}:`);
  });

  it('turns OpenTelemetry traces on only with an OTLP endpoint or exporter (docs/operations.md)', () => {
    const tracing = (env: Record<string, string>) => loadConfig({ STEPWISE_SECRET_KEY: KEY, ...env }).tracing;
    expect(tracing({})).toBeNull();
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'stepwise',
    });
    expect(
      tracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/in',
        OTEL_SERVICE_NAME: 'stepwise-eu',
      }),
    ).toEqual({ url: 'https://traces.example.com/in', serviceName: 'stepwise-eu' });
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp' })?.url).toBe('http://localhost:4318/v1/traces');
    expect(
      tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBeNull();
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
  });

  // Starting the CLI compiles the whole app with tsx; on a busy 2-core machine that takes a while.
  it('makes `stepwise serve` exit at start with the variable named', { timeout: 90_000 }, () => {
    const result = spawnSync('node_modules/.bin/tsx', ['src/cli/main.ts', 'serve'], {
      env: { ...process.env, PORT: 'eighty', STEPWISE_SECRET_KEY: KEY },
      encoding: 'utf8',
      timeout: 80_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('PORT:');
  });
});
