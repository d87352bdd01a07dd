import { describe, expect, it } from 'vitest';
import { runConnect } from '../../src/cli/commands/connect-command.ts';
import { CALLS_ONLY, insertRecords, insertSequence } from '../connections/helpers.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, USERS } from '../support/world.ts';

/**
 * `stepwise connect --all-open` walks every open record of the sequence's type and leaves out those that already
 * run in a sequence. Its summary must add up: "Connected 10 of 25 records; 0 refused." left the operator guessing
 * what happened to the other 15.
 */
describe.each(dialects)('stepwise connect --all-open on %s', (dialect) => {
  it('reports the records it skipped because they already run in a sequence, so the counts add up', async () => {
    const world = await createWorld(dialect);
    try {
      const { sequenceId } = await insertSequence(world, CALLS_ONLY, { name: 'CLI summary' });
      // 30 records: 5 closed (not walked by --all-open), 25 open.
      const ids = await insertRecords(world, 30, (i) => (i < 5 ? { status: 'qualified' } : {}));
      const deps = { store: world.store, clock: world.clock };
      const quiet = { as: USERS.eastSeller.email, progress: false, print: () => {} };
      // 15 of the open ones are connected first.
      await runConnect(deps, { ...quiet, sequenceId, recordIds: ids.slice(5, 20) });
      const lines: string[] = [];
      const all = await runConnect(deps, {
        ...quiet,
        sequenceId,
        recordIds: null,
        print: (line) => lines.push(line),
      });
      expect(all.succeeded).toBe(10);
      const summary = lines.find((line) => line.startsWith('Connected'));
      expect(summary).toBe('Connected 10 of 25 records; 0 refused; 15 skipped (already in a sequence).');
    } finally {
      await world.close();
    }
  });
});
