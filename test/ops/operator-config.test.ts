import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createPostgresDatabase } from '../support/databases.ts';

/**
 * What an operator sees when a setting is wrong, from the real `stepwise` command (bin/stepwise.js): the process
 * stops before it starts anything, with status 2 and a message naming the variable — never the value of a URL
 * that carries a password — rather than starting and failing later, or failing with a message naming nothing.
 */
const BIN = resolve(import.meta.dirname, '../../bin/stepwise.js');
const KEY = 'test-secret-key-0123456789abcdef0123456789abcdef';
/** Each test runs the command (from sources, through tsx) up to five times: seconds each on a loaded machine. */
const SLOW = 180_000;
const files: string[] = [];
afterAll(() => {
  for (const file of files) {
    for (const suffix of ['', '-wal', '-shm', '.scheduler-lock', '.scheduler-lock.owner']) {
      rmSync(`${file}${suffix}`, { recursive: true, force: true });
    }
  }
});

function sqliteUrl(): string {
  const file = `/tmp/stepwise-operator-${randomUUID()}.db`;
  files.push(file);
  return `sqlite:${file}`;
}

/**
 * Runs `stepwise <args>` until it exits, or until it prints `startedText` (it started although it should not
 * have: it is stopped and `code` is null), so a process that wrongly keeps running fails the test quickly.
 */
function stepwise(
  args: string[],
  env: Record<string, string>,
  startedText = 'engine worker started',
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        STEPWISE_SECRET_KEY: KEY,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        ...env,
      },
    });
    let output = '';
    let started = false;
    const onData = (data: Buffer) => {
      output += data.toString();
      if (!started && output.includes(startedText)) {
        started = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => done({ code: started ? null : code, output }));
  });
}

describe('bad settings stop a command at start, naming the variable', () => {
  it(
    'SMTP_URL with an unencoded "/" in its password: the worker refuses to start instead of failing every email and logging the password',
    async () => {
      const password = 's3cr/t-relay-password';
      const result = await stepwise(['worker'], {
        DATABASE_URL: sqliteUrl(),
        SMTP_URL: `smtp://apikey:${password}@smtp.example.com:587`,
      });
      expect(result.code).toBe(2);
      expect(result.output).toContain('SMTP_URL: is not a valid URL');
      expect(result.output).toContain('percent-encode');
      expect(result.output).not.toContain(password);
      // Encoded as the message says, the same relay is accepted.
      expect(
        loadConfig({
          STEPWISE_SECRET_KEY: KEY,
          SMTP_URL: `smtp://apikey:${encodeURIComponent(password)}@smtp.example.com:587`,
        }).smtpUrl,
      ).toBe('smtp://apikey:s3cr%2Ft-relay-password@smtp.example.com:587');
    },
    SLOW,
  );

  it(
    'DATABASE_URL with an unencoded "#" in its password, or naming no SQLite file: migrate exits 2 naming DATABASE_URL',
    async () => {
      const password = 'db#password-1';
      const broken = await stepwise(['migrate'], {
        DATABASE_URL: `postgres://stepwise:${password}@127.0.0.1:5432/stepwise`,
      });
      expect(broken.code).toBe(2);
      expect(broken.output).toContain('DATABASE_URL: is not a valid URL');
      expect(broken.output).not.toContain(password);
      const noFile = await stepwise(['migrate'], { DATABASE_URL: 'sqlite:' });
      expect(noFile.code).toBe(2);
      expect(noFile.output).toContain('DATABASE_URL: names no file');
    },
    SLOW,
  );

  it(
    'TRUST_PROXY with a bad CIDR range: serve exits 2 naming TRUST_PROXY',
    async () => {
      const result = await stepwise(
        ['serve', '--no-worker'],
        {
          DATABASE_URL: sqliteUrl(),
          TRUST_PROXY: '10.0.0.0/33',
        },
        'Stepwise is serving',
      );
      expect(result.code).toBe(2);
      expect(result.output).toContain('TRUST_PROXY: "10.0.0.0/33" is not a valid CIDR range');
      // Good values still pass, addresses and ranges alike.
      expect(
        loadConfig({ STEPWISE_SECRET_KEY: KEY, TRUST_PROXY: '10.0.0.0/8, 192.168.1.7, ::1, fd00::/8' })
          .trustProxy,
      ).toBe('10.0.0.0/8,192.168.1.7,::1,fd00::/8');
    },
    SLOW,
  );

  it(
    'PUBLIC_URL without http:// or https:// is refused (tracking and unsubscribe links are built on it)',
    () => {
      for (const value of ['localhost:3000', 'ftp://sales.example.com']) {
        expect(() => loadConfig({ STEPWISE_SECRET_KEY: KEY, PUBLIC_URL: value })).toThrow(
          /PUBLIC_URL: must be an http:\/\/ or https:\/\/ URL/,
        );
      }
      expect(() => loadConfig({ STEPWISE_SECRET_KEY: KEY, PUBLIC_URL: 'localhost:3000' })).toThrow(
        ConfigError,
      );
    },
    SLOW,
  );

  it(
    'migrate, backup and restore exit 2 on a bad setting, like serve and worker',
    async () => {
      const env = { DATABASE_URL: sqliteUrl(), PORT: 'eighty' };
      const target = `/tmp/stepwise-operator-${randomUUID()}.jsonl.gz`;
      for (const args of [['migrate'], ['backup', target], ['restore', target]]) {
        const result = await stepwise(args, env);
        expect({ args, code: result.code }).toEqual({ args, code: 2 });
        expect(result.output).toContain('PORT:');
      }
    },
    SLOW,
  );
});

describe('DATABASE_POOL_SIZE', () => {
  it(
    '1 on PostgreSQL is refused: the engine needs two connections per batch and would wait for itself',
    async () => {
      const url = await createPostgresDatabase();
      const result = await stepwise(['worker', '--drain'], { DATABASE_URL: url, DATABASE_POOL_SIZE: '1' });
      expect(result.code).toBe(2);
      expect(result.output).toContain('DATABASE_POOL_SIZE: at least 2 on PostgreSQL');
      // SQLite ignores the setting (one connection per process).
      expect(loadConfig({ STEPWISE_SECRET_KEY: KEY, DATABASE_POOL_SIZE: '1' }).database.poolSize).toBe(1);
    },
    SLOW,
  );
});

describe('the secret key', () => {
  it(
    'production on PostgreSQL without STEPWISE_SECRET_KEY: refused, instead of every process making up its own key',
    async () => {
      const url = await createPostgresDatabase();
      const keyFolder = `/tmp/stepwise-operator-${randomUUID()}`;
      files.push(keyFolder);
      const keyFile = `${keyFolder}/secret.key`;
      const production = {
        NODE_ENV: 'production',
        STEPWISE_SECRET_KEY: '',
        STEPWISE_SECRET_KEY_FILE: keyFile,
      };
      const result = await stepwise(['worker'], { ...production, DATABASE_URL: url });
      expect(result.code).toBe(2);
      expect(result.output).toContain('STEPWISE_SECRET_KEY: not set');
      expect(existsSync(keyFile)).toBe(false);
      // One machine on SQLite keeps the embedded default: the key is made once, beside the database.
      expect((await stepwise(['migrate'], { ...production, DATABASE_URL: sqliteUrl() })).code).toBe(0);
      expect(existsSync(keyFile)).toBe(true);
      // Once the key is there (shared, or put there by the operator) PostgreSQL uses it too.
      expect((await stepwise(['migrate'], { ...production, DATABASE_URL: url })).code).toBe(0);
    },
    SLOW,
  );

  it(
    'an empty or unreadable STEPWISE_SECRET_KEY_FILE stops the command, naming the variable',
    async () => {
      const empty = `/tmp/stepwise-operator-${randomUUID()}.key`;
      files.push(empty);
      writeFileSync(empty, '\n');
      const folder = `/tmp/stepwise-operator-${randomUUID()}`;
      files.push(folder);
      mkdirSync(folder);
      for (const keyFile of [empty, folder]) {
        const result = await stepwise(['worker'], {
          DATABASE_URL: sqliteUrl(),
          STEPWISE_SECRET_KEY: '',
          STEPWISE_SECRET_KEY_FILE: keyFile,
        });
        expect({ keyFile, code: result.code }).toEqual({ keyFile, code: 2 });
        expect(result.output).toContain('STEPWISE_SECRET_KEY_FILE:');
      }
    },
    SLOW,
  );
});

describe('stepwise backup as docs/operations.md writes it', () => {
  it(
    '`backup backups/stepwise-….db` creates the backups folder (SQLite copy and archive)',
    async () => {
      const folder = `/tmp/stepwise-operator-${randomUUID()}`;
      files.push(folder);
      const env = { DATABASE_URL: sqliteUrl() };
      expect((await stepwise(['migrate'], env)).code).toBe(0);
      const copy = await stepwise(['backup', `${folder}/backups/stepwise-copy.db`], env);
      expect(copy.output).toContain('integrity ok');
      expect(copy.code).toBe(0);
      const archive = await stepwise(
        ['backup', '--format', 'archive', `${folder}/more/stepwise.jsonl.gz`],
        env,
      );
      expect(archive.output).toContain('Archived');
      expect(archive.code).toBe(0);
      expect(
        existsSync(`${folder}/backups/stepwise-copy.db`) && existsSync(`${folder}/more/stepwise.jsonl.gz`),
      ).toBe(true);
    },
    SLOW,
  );
});

describe('stepwise backup on SQLite to a name ending in .jsonl.gz (the upgrade steps of docs/operations.md)', () => {
  it(
    'writes the gzip archive its name promises, not a SQLite copy',
    async () => {
      const target = `/tmp/stepwise-operator-${randomUUID()}.jsonl.gz`;
      files.push(target);
      const env = { DATABASE_URL: sqliteUrl() };
      expect((await stepwise(['migrate'], env)).code).toBe(0);
      const result = await stepwise(['backup', target], env);
      expect(result.output).toContain('Archived');
      expect(result.code).toBe(0);
      expect([...readFileSync(target).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
      // --format still decides when given.
      const copy = `/tmp/stepwise-operator-${randomUUID()}.gz`;
      files.push(copy);
      expect((await stepwise(['backup', '--format', 'sqlite', copy], env)).output).toContain('integrity ok');
    },
    SLOW,
  );
});

describe('a DATABASE_URL that leads nowhere', () => {
  it(
    'names DATABASE_URL with the password hidden and the server\'s reason (was "Migration unknown failed: …")',
    async () => {
      const url = new URL(await createPostgresDatabase());
      url.password = 'wrong-password-4711';
      const refused = await stepwise(['migrate'], { DATABASE_URL: url.toString() });
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(
        `Cannot use the database of DATABASE_URL (postgres://${url.username}:***@`,
      );
      expect(refused.output).toContain('password authentication failed');
      expect(refused.output).not.toContain('wrong-password-4711');
      const missing = new URL(await createPostgresDatabase());
      missing.pathname = '/no_such_database';
      const absent = await stepwise(['worker'], { DATABASE_URL: missing.toString() });
      expect(absent.code).toBe(1);
      expect(absent.output).toContain('Cannot use the database of DATABASE_URL');
      expect(absent.output).toContain('database "no_such_database" does not exist');
    },
    SLOW,
  );
});

describe('DATABASE_SSL_CA_FILE in the one-off commands', () => {
  it(
    'migrate and backup connect with TLS as serve does: against a server without TLS they refuse instead of sending the password and every row in the clear',
    async () => {
      const url = await createPostgresDatabase();
      const ca = `/tmp/stepwise-operator-${randomUUID()}.pem`;
      files.push(ca);
      // Any PEM will do: the test server offers no TLS at all, so the connection fails before the CA is used.
      writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const env = { DATABASE_URL: url, DATABASE_SSL_CA_FILE: ca };
      const migrate = await stepwise(['migrate'], env);
      expect(migrate.code).toBe(1);
      expect(migrate.output).toContain('does not support SSL');
      const target = `/tmp/stepwise-operator-${randomUUID()}.jsonl.gz`;
      files.push(target);
      const backup = await stepwise(['backup', target], env);
      expect(backup.code).toBe(1);
      expect(backup.output).toContain('does not support SSL');
      // Without the setting the same commands work (the server is fine; only TLS was asked for).
      expect((await stepwise(['migrate'], { DATABASE_URL: url })).code).toBe(0);
      expect((await stepwise(['backup', target], { DATABASE_URL: url })).code).toBe(0);
    },
    SLOW,
  );
});
