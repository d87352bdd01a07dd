import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROCESS_NODE_FLAGS } from '../../bench/lib/processes.ts';

/**
 * Every `stepwise` process runs with a V8 heap limit (docs/operations.md#process-memory): with Node's default limit
 * V8 let a worker's heap grow to about four times what was live before a full collection, and `serve`'s likewise.
 * The benchmark measures the processes started as production starts them, so the flags must be the same in the
 * Dockerfile (compose uses its entry point), the systemd unit, `npm start`, the docs and the bench.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(resolve(ROOT, file), 'utf8');
const FLAGS = PROCESS_NODE_FLAGS.join(' ');

describe('the process heap setting', () => {
  it('is the same in the Dockerfile, docker-compose.yml, deploy/stepwise.service, npm start and the benchmark', () => {
    expect(PROCESS_NODE_FLAGS).toEqual(['--max-old-space-size=1024']);
    const entrypoint = read('Dockerfile').match(/^ENTRYPOINT (\[.*\])$/m)?.[1];
    expect(entrypoint && JSON.parse(entrypoint)).toEqual(['node', ...PROCESS_NODE_FLAGS, 'bin/stepwise.js']);
    // No compose service replaces the image's entry point (and with it the flags).
    expect(read('docker-compose.yml')).not.toMatch(/^\s+entrypoint:/m);
    const unit = read('deploy/stepwise.service');
    expect(unit).toContain(
      `ExecStart=/usr/bin/node ${FLAGS} /opt/stepwise/bin/stepwise.js serve --no-migrate`,
    );
    expect(unit).toContain(
      `ExecStart=/usr/bin/node ${FLAGS} /opt/stepwise/bin/stepwise.js worker --no-migrate`,
    );
    const start = JSON.parse(read('package.json')).scripts.start as string;
    expect(start).toContain(`node ${FLAGS} bin/stepwise.js serve`);
    expect(read('docs/operations.md')).toContain(`NODE_OPTIONS=${FLAGS} stepwise worker`);
  });
});
