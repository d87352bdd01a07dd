import { describe, expect, it } from 'vitest';
import { ConnectCommandError, parseIdsFile, runConnect } from '../../src/cli/commands/connect-command.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, USERS } from '../support/world.ts';
import { CALLS_ONLY, insertRecords, insertSequence, liveConnection } from './helpers.ts';

describe('ids files', () => {
  it('reads lines, CSV first columns and JSON arrays', () => {
    expect(parseIdsFile('id\na\n\n# note\nb\r\n')).toEqual(['a', 'b']);
    expect(parseIdsFile('"a",x\nb;y\n')).toEqual(['a', 'b']);
    expect(parseIdsFile('["a","b"]')).toEqual(['a', 'b']);
  });
});

describe.each(dialects)('stepwise connect on %s', (dialect) => {
  it('connects an ids file and all open records as a user, reporting refusals', async () => {
    const world = await createWorld(dialect);
    try {
      const { sequenceId } = await insertSequence(world, CALLS_ONLY, { name: 'CLI target' });
      const ids = await insertRecords(world, 30, (i) => (i < 5 ? { status: 'qualified' } : {}));
      const lines: string[] = [];
      const deps = { store: world.store, clock: world.clock };
      const first = await runConnect(deps, {
        sequenceId,
        recordIds: [...ids.slice(0, 20), 'unknown'],
        as: USERS.eastSeller.email,
        progress: false,
        print: (line) => lines.push(line),
      });
      expect(first).toMatchObject({ succeeded: 15, failed: 6 });
      expect(lines.join('\n')).toContain('Connected 15 of 21 records; 6 refused.');
      expect(lines.join('\n')).toMatch(/5 × not_open/);
      const all = await runConnect(deps, {
        sequenceId,
        recordIds: null,
        as: USERS.eastSeller.email,
        progress: false,
        print: () => {},
      });
      expect(all.succeeded).toBe(10);
      for (const id of ids.slice(5)) expect((await liveConnection(world, id))?.sequence_id).toBe(sequenceId);
      await expect(
        runConnect(deps, {
          sequenceId,
          recordIds: null,
          as: USERS.westSeller.email,
          progress: false,
          print: () => {},
        }),
      ).rejects.toThrow(ConnectCommandError);
      await expect(
        runConnect(deps, {
          sequenceId,
          recordIds: null,
          as: 'nobody@example.com',
          progress: false,
          print: () => {},
        }),
      ).rejects.toThrow(/no active user/);
    } finally {
      await world.close();
    }
  });
});
