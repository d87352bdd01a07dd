import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyInbound, classifyView } from './index.ts';
import { readMessage } from './message.ts';
import { INBOUND_CLASSES } from './types.ts';

/** No inbound message, however malformed, makes classification throw or hang. */

const DIR = join(import.meta.dirname, '../../../test/fixtures/bounces');
const FIXTURES = readdirSync(DIR)
  .filter((file) => file.endsWith('.eml'))
  .map((file) => readFileSync(join(DIR, file)));

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array }
  | { kind: 'drop'; at: number; length: number }
  | { kind: 'boundary'; at: number }
  | { kind: 'duplicate'; at: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), length: fc.nat({ max: 400 }) }),
  fc.record({ kind: fc.constant('boundary' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.nat({ max: 400 }) }),
);

function mutate(source: Buffer, change: Mutation): Buffer {
  const at = source.length === 0 ? 0 : change.at % source.length;
  switch (change.kind) {
    case 'truncate':
      return source.subarray(0, at);
    case 'splice':
      return Buffer.concat([source.subarray(0, at), change.bytes, source.subarray(at)]);
    case 'drop':
      return Buffer.concat([source.subarray(0, at), source.subarray(at + change.length)]);
    case 'boundary':
      return Buffer.concat([
        source.subarray(0, at),
        Buffer.from('\r\n--wrong-boundary\r\nContent-Type: message/rfc822\r\n\r\n'),
        source.subarray(at),
      ]);
    case 'duplicate':
      return Buffer.concat([source.subarray(0, at + change.length), source.subarray(at)]);
    default: {
      const never: never = change;
      return never;
    }
  }
}

describe('classification of malformed input', () => {
  it('never throws on random mutations of the real corpus', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: FIXTURES.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        async (index, changes) => {
          const raw = changes.reduce(mutate, FIXTURES[index] as Buffer);
          // The recognisers themselves must not throw (classifyInbound would hide it as "unparseable").
          const result = classifyView(await readMessage(raw));
          expect(INBOUND_CLASSES).toContain(result.class);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('copes with binary junk, an empty message and a 20 MB message', async () => {
    const junk = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256));
    expect(INBOUND_CLASSES).toContain((await classifyInbound(junk)).class);
    expect(INBOUND_CLASSES).toContain((await classifyInbound('')).class);
    const huge = Buffer.concat([FIXTURES[0] as Buffer, Buffer.alloc(20 * 1024 * 1024, 'A')]);
    const started = performance.now();
    expect(INBOUND_CLASSES).toContain((await classifyInbound(huge)).class);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
