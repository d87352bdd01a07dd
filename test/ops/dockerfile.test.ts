import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer, freePort, killAll, spawnStepwise } from '../faults/harness.ts';

/**
 * No container engine runs here, so the Dockerfile is checked by doing what it says (docs/operations.md#containers):
 * its stages are read from the file; the final stage's files are laid out in a clean folder exactly as its
 * `COPY --from=build` lines say (the server built by `npm run build:server`, the UI by `npm run build:web`); the
 * process is started with the stage's ENV, ENTRYPOINT and CMD; and the HEALTHCHECK command is run against it. Not
 * run: `apt-get`, `npm ci` and `npm prune` (no registry here; node_modules is the checkout's, dev dependencies too).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const built = buildServer();
const app = join(mkdtempSync(join(tmpdir(), 'stepwise-image-')), 'app');
afterAll(() => {
  killAll();
  built.remove();
  rmSync(resolve(app, '..'), { recursive: true, force: true });
});

interface Stage {
  from: string;
  lines: string[];
}

/** The Dockerfile's stages, each with its instructions (continuation lines joined, comments dropped). */
function stages(): Stage[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n\s*/g, ' ');
  const result: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '') continue;
    if (line.startsWith('FROM ')) result.push({ from: line.slice(5), lines: [] });
    else result.at(-1)?.lines.push(line);
  }
  return result;
}

function instructions(stage: Stage, name: string): string[] {
  return stage.lines.filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1));
}

describe('the Dockerfile, step by step without a container engine', () => {
  it('builds in one stage and runs the compiled server as a non-root user in the other, healthy', async () => {
    const [build, final, ...more] = stages();
    expect(more).toHaveLength(0);
    if (!build || !final) throw new Error('the Dockerfile needs a build and a runtime stage');
    // Build stage: toolchain for native modules, all dependencies, the build, then only production dependencies.
    const runs = instructions(build, 'RUN').join(' && ');
    for (const step of ['g++', 'npm ci', 'npm run build', 'npm prune --omit=dev'])
      expect(runs).toContain(step);
    // Runtime stage: no toolchain, a non-root user, the files of the build stage only.
    expect(final.from).not.toContain(' AS ');
    expect(instructions(final, 'RUN').join(' ')).not.toMatch(/apt-get|npm (ci|install)/);
    expect(instructions(final, 'USER')).toEqual(['node']);

    const workdir = instructions(final, 'WORKDIR')[0] ?? '';
    // Paths of the image (`/app/data/…`, also inside `sqlite:/app/…`) point into the folder standing in for it.
    const inApp = (value: string) => value.replaceAll(`${workdir}/`, `${app}/`);
    mkdirSync(app, { recursive: true });
    expect(existsSync(join(ROOT, 'web/dist/index.html')), 'run npm run build:web first').toBe(true);
    const copies = instructions(final, 'COPY').map((line) => line.split(/\s+/));
    expect(copies.length).toBeGreaterThan(0);
    for (const [flag, source, target] of copies) {
      expect(flag).toBe('--from=build');
      const path = (source ?? '').replace(`${workdir}/`, '');
      // `COPY a ./` puts `a` into the folder; `COPY a ./b` names it b.
      const into = (target ?? '').endsWith('/')
        ? join(resolve(app, target ?? '.'), basename(path))
        : resolve(app, target ?? '.');
      if (path === 'node_modules') symlinkSync(join(ROOT, 'node_modules'), into);
      else if (path === 'web/dist') cpSync(join(ROOT, 'web/dist'), into, { recursive: true });
      // package.json, bin/ and dist/ as `npm run build` made them (buildServer runs its build:server script).
      else cpSync(join(built.bin, '../..', path), into, { recursive: true });
    }
    for (const run of instructions(final, 'RUN')) {
      const made = spawnSync('sh', ['-c', run.replaceAll(workdir, app).replace(/&& chown .*$/, '')]);
      expect(made.status).toBe(0);
    }

    const env: Record<string, string> = {};
    for (const line of instructions(final, 'ENV')) {
      for (const [, key, value] of line.matchAll(/(\w+)=(\S+)/g)) env[key as string] = inApp(value as string);
    }
    expect(env.NODE_ENV).toBe('production');
    expect(env.DATABASE_URL).toBe(`sqlite:${app}/data/stepwise.db`);
    const port = String(await freePort());
    const entrypoint = JSON.parse(instructions(final, 'ENTRYPOINT')[0] ?? '[]') as string[];
    const command = JSON.parse(instructions(final, 'CMD')[0] ?? '[]') as string[];
    // node [its flags] bin/stepwise.js: the image starts every command with the same Node flags.
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint.at(-1)).toBe('bin/stepwise.js');
    const server = spawnStepwise(
      'image',
      command,
      { ...env, PORT: port, HOST: '127.0.0.1' },
      join(app, 'bin/stepwise.js'),
      entrypoint.slice(1, -1),
    );
    await server.waitFor('Stepwise is serving', 60_000);

    const healthcheck = instructions(final, 'HEALTHCHECK')[0] ?? '';
    const probe = healthcheck.slice(healthcheck.indexOf('CMD ') + 4);
    const healthy = spawnSync('sh', ['-c', probe], { env: { ...process.env, PORT: port }, encoding: 'utf8' });
    expect(healthy.status).toBe(0);
    const stopped = spawnSync('sh', ['-c', probe], {
      env: { ...process.env, PORT: String(await freePort()) },
    });
    expect(stopped.status).toBe(1);
    // The UI is served from the copied web/dist, the data lands in the volume folder.
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(await page.text()).toContain('<div id="root">');
    expect(existsSync(join(app, 'data/stepwise.db'))).toBe(true);

    const exited = new Promise<number | null>((done) => server.child.once('exit', (code) => done(code)));
    server.child.kill(instructions(final, 'STOPSIGNAL')[0] as NodeJS.Signals);
    expect(await exited).toBe(0);
  }, 120_000);
});
