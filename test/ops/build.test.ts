import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm run build:server` compiles the CLI and server into dist/, and `bin/stepwise.js` runs it without the
 * TypeScript sources (as in the container image): the build's own command line runs into a clean folder holding
 * only package.json, bin/, dist/ and node_modules.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'stepwise-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function buildInto(outdir: string): void {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const script = pkg.scripts['build:server'];
  if (!script) throw new Error('package.json has no build:server script');
  const args = script
    .split(/\s+/)
    .slice(1)
    .map((arg) => (arg.startsWith('--outdir=') ? `--outdir=${outdir}` : arg));
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), args, { cwd: ROOT, stdio: 'pipe' });
}

describe('the server build', () => {
  it('runs from dist/ without sources: --help fast, --no-migrate refuses a stale schema, migrate works', () => {
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    buildInto(join(dir, 'dist'));

    const startedAt = Date.now();
    const help = spawnSync(process.execPath, [join(dir, 'bin/stepwise.js'), '--help'], { encoding: 'utf8' });
    const helpMs = Date.now() - startedAt;
    expect(help.status).toBe(0);
    for (const command of [
      'serve',
      'worker',
      'migrate',
      'import',
      'seed',
      'org',
      'user',
      'sequence',
      'connect',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    // From sources through tsx this took ~2.7 s; the build loads only commander. (Generous for a busy machine.)
    expect(helpMs).toBeLessThan(1_000);

    // A sub-command's own help comes from its module.
    const userHelp = spawnSync(process.execPath, [join(dir, 'bin/stepwise.js'), 'user', '--help'], {
      encoding: 'utf8',
    });
    expect(userHelp.stdout).toContain('add [options]');

    writeFileSync(join(dir, 'secret.key'), 'k'.repeat(64));
    // A rolling upgrade starts processes with --no-migrate after one `stepwise migrate`: behind, they refuse.
    const behind = spawnSync(process.execPath, [join(dir, 'bin/stepwise.js'), 'worker', '--no-migrate'], {
      encoding: 'utf8',
      cwd: dir,
      env: {
        ...process.env,
        DATABASE_URL: `sqlite:${join(dir, 'stepwise.db')}`,
        STEPWISE_SECRET_KEY_FILE: join(dir, 'secret.key'),
      },
    });
    expect(behind.status).toBe(2);
    expect(behind.stderr).toContain('run `stepwise migrate` first');

    const migrate = spawnSync(process.execPath, [join(dir, 'bin/stepwise.js'), 'migrate'], {
      encoding: 'utf8',
      cwd: dir,
      env: {
        ...process.env,
        DATABASE_URL: `sqlite:${join(dir, 'stepwise.db')}`,
        STEPWISE_SECRET_KEY_FILE: join(dir, 'secret.key'),
      },
    });
    expect(migrate.stderr).toBe('');
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toContain('0017_login_attempts');
  }, 60_000);
});
