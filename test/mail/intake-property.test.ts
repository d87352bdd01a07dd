import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processInboundMime } from '../../src/mail/inbound.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  queueEmail,
  SECRET_KEY,
  SELLER,
  seedSequence,
  startSmtp,
} from './mail-fixtures.ts';

/**
 * Intake as a whole (classification, VERP and Message-ID matching, effects, the inbound log) on both databases:
 * random mutations of the real corpus — some pointed at an email we really sent, by its Message-ID or its VERP
 * return path, some carrying NUL bytes — never throw, and every one is kept in the inbound log.
 */

const DIR = join(import.meta.dirname, '../fixtures/bounces');
const FIXTURES = readdirSync(DIR)
  .filter((file) => file.endsWith('.eml'))
  .map((file) => readFileSync(join(DIR, file)));

const edit = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('nul' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('ours' as const), at: fc.nat(), how: fc.constantFrom('message-id', 'verp') }),
);

describe.each(dialects)('intake of malformed mail on %s', (dialect) => {
  let world: World;
  let smtp: LoopbackSmtp;
  let sentId: string;
  let verp: string;
  beforeAll(async () => {
    world = await createWorld(dialect);
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
    const scenario = await seedSequence(world.store, world.clock.now());
    await queueEmail(world.store, scenario, world.clock.now(), { email: 'ada@customer.test' });
    const delivery = deliveryFor(world.store, world.clock, {
      config: {
        secretKey: SECRET_KEY,
        publicUrl: 'http://localhost:3000',
        smtpUrl: undefined,
        outboundAllowList: ['127.0.0.1'],
        worker: { batchSize: 200, leaseMs: 60_000, pollMs: 1000 },
        verp: { domain: 'bounces.seller.test', localPart: 'bounces' },
      },
    });
    await delivery.drain();
    delivery.close();
    sentId = /^message-id:\s*(\S+)/im.exec(smtp.received[0]!.raw.toString('utf8'))![1]!;
    verp = smtp.received[0]!.from;
  });
  afterAll(async () => {
    await smtp.close();
    await world.close();
  });

  it('takes a reply whose headers carry NUL bytes without failing', async () => {
    const raw = [
      'From: Ada \u0000<ada@customer.test>',
      'To: sam@seller.test',
      'Subject: Re: \u0000hello',
      'Message-ID: <nul\u0000reply@customer.test>',
      `In-Reply-To: <bogus\u0000id@x> ${sentId}`,
      '',
      'Fine\u0000 by me.',
      '',
    ].join('\r\n');
    const outcome = await processInboundMime(world, raw, { orgId: ORG_ID });
    expect(outcome).toMatchObject({ kind: 'reply', duplicate: false });
  });

  it('never throws and keeps every message', async () => {
    const kinds = ['reply', 'auto_reply', 'bounce', 'delay', 'complaint', 'ignored', 'unmatched'];
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: FIXTURES.length - 1 }),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        async (index, edits) => {
          let raw = FIXTURES[index] as Buffer;
          for (const change of edits) {
            const at = raw.length === 0 ? 0 : change.at % raw.length;
            const insert =
              change.kind === 'truncate'
                ? null
                : change.kind === 'splice'
                  ? Buffer.from(change.bytes)
                  : change.kind === 'nul'
                    ? Buffer.from('\u0000Subject: \u0000x\r\n')
                    : Buffer.from(
                        change.how === 'verp' ? `\r\nTo: ${verp}\r\n` : `\r\nMessage-ID: ${sentId}\r\n`,
                      );
            raw = insert
              ? Buffer.concat([raw.subarray(0, at), insert, raw.subarray(at)])
              : raw.subarray(0, at);
          }
          const before = await world.store.db
            .selectFrom('inbound_messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('org_id', '=', ORG_ID)
            .executeTakeFirstOrThrow();
          const outcome = await processInboundMime(world, raw, { orgId: ORG_ID }, { via: 'smtp' });
          expect(kinds).toContain(outcome.kind);
          const after = await world.store.db
            .selectFrom('inbound_messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('org_id', '=', ORG_ID)
            .executeTakeFirstOrThrow();
          // Kept once: a new row, or the same message (same Message-ID or bytes) already there.
          expect(Number(after.n) - Number(before.n)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 80 },
    );
    const kept = await world.store.db
      .selectFrom('inbound_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', ORG_ID)
      .executeTakeFirstOrThrow();
    expect(Number(kept.n)).toBeGreaterThan(10);
  }, 120_000);
});
