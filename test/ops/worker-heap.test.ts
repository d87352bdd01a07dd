import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS } from '../../bench/lib/processes.ts';

/**
 * `stepwise worker` runs with a V8 heap limit (docs/operations.md#worker-memory): with Node's default limit V8 let
 * a worker's heap grow to about four times what was live before a full collection. The benchmark measures the
 * worker started as production starts it, so the flags must be the same in the compose file, the systemd unit
 * and the bench.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(resolve(ROOT, file), 'utf8');

describe('the worker process heap setting', () => {
  it('is the same in docker-compose.yml, deploy/stepwise.service and the benchmark', () => {
    expect(WORKER_NODE_FLAGS).toEqual(['--max-old-space-size=1024']);
    const compose = read('docker-compose.yml');
    const worker = compose.slice(compose.indexOf('\n  worker:'));
    const entrypoint = worker.match(/entrypoint: (\[.*\])/)?.[1];
    expect(entrypoint && JSON.parse(entrypoint)).toEqual(['node', ...WORKER_NODE_FLAGS, 'bin/stepwise.js']);
    expect(worker).toMatch(/command: \["worker"/);
    const unit = read('deploy/stepwise.service');
    expect(unit).toContain(
      `ExecStart=/usr/bin/node ${WORKER_NODE_FLAGS.join(' ')} /opt/stepwise/bin/stepwise.js worker --no-migrate`,
    );
    expect(read('docs/operations.md')).toContain(
      `NODE_OPTIONS=${WORKER_NODE_FLAGS.join(' ')} stepwise worker`,
    );
  });
});
