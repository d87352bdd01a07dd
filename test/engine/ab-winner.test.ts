import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/engine/clock.ts';
import { newId } from '../../src/store/ids.ts';
import { def, engineOf, insertRecords, insertSequence } from '../connections/helpers.ts';
import { addSmtpMailbox, deliveryFor, SELLER, seedSequence, startSmtp } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';

/** An automated email split 50/50 between A and B; replies decide, once each variant has 5 sends. */
async function abSequence(world: World) {
  const { templateId } = await seedSequence(world.store, world.clock.now());
  return insertSequence(
    world,
    def({
      start: 'mail',
      nodes: [
        {
          id: 'mail',
          kind: 'automated_email',
          name: 'Intro',
          templateId,
          abTest: {
            variants: [
              { id: 'A', templateId, split: 50 },
              { id: 'B', templateId, split: 50 },
            ],
            winnerMetric: 'replies',
            end: { type: 'auto', minRecipients: 5 },
          },
          next: null,
        },
      ],
      options: {
        exitOnReply: false,
        skipNonWorkingDays: false,
        sendWindow: null,
        trackOpens: false,
        trackClicks: false,
      },
    }),
  );
}

let n = 0;
const people = (world: World, count: number) =>
  insertRecords(world, count, () => {
    n += 1;
    return { first_name: 'Ada', email: `ada${n}@company${n}.example` };
  });

async function variantsOf(world: World, recordIds: string[]) {
  const rows = await world.store.db
    .selectFrom('outbound_messages')
    .select(['id', 'variant', 'status', 'connection_id'])
    .where('org_id', '=', ORG_ID)
    .where('record_id', 'in', recordIds)
    .execute();
  return rows;
}

describe.each(dialects)('A/B winner on %s', (dialect) => {
  it('splits until the end rule and a significant difference, then sends only the winner; Insights show it', async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    const smtp = await startSmtp();
    try {
      await addSmtpMailbox(world.store, SELLER, smtp.port, world.clock.now());
      const { sequenceId } = await abSequence(world);
      const connect = async (recordIds: string[]) => {
        const response = await world.as('eastSeller', 'POST', `/api/sequences/${sequenceId}/connections`, {
          recordIds,
        });
        expect(response.statusCode, response.body).toBeLessThan(300);
        await engine.drain();
        // Deliver everything, letting the clock run past the mailbox's spacing and hourly limits.
        const delivery = deliveryFor(world.store, world.clock);
        for (let i = 0; i < 50; i++) {
          await delivery.drain();
          const left = (await variantsOf(world, recordIds)).filter((m) => m.status !== 'sent');
          if (left.length === 0) break;
          world.clock.advance(10 * MINUTE);
        }
        delivery.close();
      };
      const first = await people(world, 40);
      await connect(first);
      const sent = await variantsOf(world, first);
      expect(sent.map((m) => m.status)).toEqual(sent.map(() => 'sent'));
      const a = sent.filter((m) => m.variant === 'A');
      const b = sent.filter((m) => m.variant === 'B');
      expect(a.length).toBeGreaterThanOrEqual(5);
      expect(b.length).toBeGreaterThanOrEqual(5);

      const insightsOf = async () =>
        (await world.as('eastAdmin', 'GET', `/api/sequences/${sequenceId}/insights`)).json().abTests;
      expect(await insightsOf()).toEqual([expect.objectContaining({ nodeId: 'mail', winner: null })]);

      // Everybody who got B replied; nobody who got A did.
      const reply = async (messageId: string, connectionId: string) => {
        await world.store.db
          .insertInto('engagement_events')
          .values({
            org_id: ORG_ID,
            id: newId(world.clock.now()),
            outbound_message_id: messageId,
            connection_id: connectionId,
            record_id: null,
            type: 'reply',
            dedupe_key: `reply:${messageId}`,
            machine: 0,
            data_json: '{}',
            occurred_at: world.clock.now(),
            created_at: world.clock.now(),
          })
          .execute();
      };
      // Not significant yet (one reply): later records still get both variants.
      await reply(b[0]!.id, b[0]!.connection_id!);
      const second = await people(world, 30);
      await connect(second);
      expect(new Set((await variantsOf(world, second)).map((m) => m.variant))).toEqual(new Set(['A', 'B']));
      expect((await insightsOf())[0].winner).toBeNull();

      for (const m of b.slice(1)) await reply(m.id, m.connection_id!);
      const third = await people(world, 12);
      await connect(third);
      const later = await variantsOf(world, third);
      expect(later).toHaveLength(12);
      expect(later.every((m) => m.variant === 'B')).toBe(true);

      const [test] = await insightsOf();
      expect(test.winner).toMatchObject({ variant: 'B', metric: 'replies' });
      expect(test.winner.z).toBeGreaterThan(1.96);
    } finally {
      await smtp.close();
      await engine.stop();
      await world.close();
    }
  });
});
