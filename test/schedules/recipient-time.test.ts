import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queueEmail, type Scenario, seedSequence } from '../mail/mail-fixtures.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, type World } from '../support/world.ts';

/**
 * The recipient's time zone through the API (issue 13): a record without a zone is read in the zone of its city,
 * region, country or phone number, marked inferred; the outbox and a sequence's scheduled emails carry the
 * recipient's zone so the UI shows "scheduled for" in both zones.
 */
describe.each(dialects)("the recipient's time zone on %s", (dialect) => {
  let world: World;
  let scenario: Scenario;
  beforeEach(async () => {
    world = await createWorld(dialect);
    scenario = await seedSequence(world.store, world.clock.now());
  });
  afterEach(() => world.close());

  async function setRecord(
    id: string,
    values: { time_zone?: string | null; phone_business?: string | null; custom_json?: string },
  ) {
    await world.store.db
      .updateTable('records')
      .set(values)
      .where('org_id', '=', ORG_ID)
      .where('id', '=', id)
      .execute();
  }

  it('own zone > city/region/country > phone > default, and a seller corrects an inferred zone', async () => {
    const { recordId } = await queueEmail(world.store, scenario, world.clock.now());
    const zone = async () =>
      (await world.as('eastSeller', 'GET', `/api/records/${recordId}/time-zone`)).json();
    await setRecord(recordId, { time_zone: null, phone_business: '+61 2 9876 5432' });
    expect(await zone()).toEqual({ zone: 'Australia/Sydney', source: 'phone', inferred: true });
    await setRecord(recordId, { custom_json: JSON.stringify({ country: 'Nepal' }) });
    expect(await zone()).toEqual({ zone: 'Asia/Kathmandu', source: 'country', inferred: true });
    await setRecord(recordId, { custom_json: JSON.stringify({ country: 'CA', city: "St. John's" }) });
    expect(await zone()).toEqual({ zone: 'America/St_Johns', source: 'city', inferred: true });
    await setRecord(recordId, { custom_json: '{}', phone_business: null });
    // Nothing to infer from: the owner's zone, else the organisation's.
    expect((await zone()).source).toBe('default');
    expect((await zone()).inferred).toBe(false);
    // The seller corrects it: the record's own zone wins from then on.
    await setRecord(recordId, { phone_business: '+61 2 9876 5432' });
    const patch = await world.as('eastSeller', 'PATCH', `/api/records/${recordId}`, {
      timeZone: 'Europe/Warsaw',
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(await zone()).toEqual({ zone: 'Europe/Warsaw', source: 'record', inferred: false });
    // Someone who may not see the record learns nothing.
    expect((await world.as('westSeller', 'GET', `/api/records/${recordId}/time-zone`)).statusCode).toBe(404);
  });

  it('the outbox and the scheduled emails of a sequence give each email its recipient zone', async () => {
    const now = world.clock.now();
    const sydney = await queueEmail(world.store, scenario, now, { notBefore: now + 3_600_000 });
    const warsaw = await queueEmail(world.store, scenario, now, { notBefore: now + 7_200_000 });
    await setRecord(sydney.recordId, { time_zone: null, phone_business: '+61 2 9876 5432' });
    await setRecord(warsaw.recordId, { time_zone: 'Europe/Warsaw' });
    // A held email waits for a seller, not for its time: it is not "scheduled".
    const held = await queueEmail(world.store, scenario, now, { notBefore: now + 60_000 });
    await world.store.db
      .updateTable('outbound_messages')
      .set({ status: 'held', hold_reason: 'missing first name' })
      .where('id', '=', held.outboundId)
      .execute();
    const outbox = (await world.as('eastSeller', 'GET', '/api/outbox')).json();
    const zoneOf = (id: string) =>
      outbox.items.find((item: { id: string }) => item.id === id)?.recipientTimeZone;
    expect(zoneOf(sydney.outboundId)).toBe('Australia/Sydney');
    expect(zoneOf(warsaw.outboundId)).toBe('Europe/Warsaw');

    const scheduled = await world.as(
      'eastAdmin',
      'GET',
      `/api/sequences/${scenario.sequenceId}/scheduled-emails`,
    );
    expect(scheduled.statusCode, scheduled.body).toBe(200);
    expect(
      scheduled
        .json()
        .items.map((item: { id: string; scheduledFor: number; recipientTimeZone: string }) => [
          item.id,
          item.scheduledFor,
          item.recipientTimeZone,
        ]),
    ).toEqual([
      [sydney.outboundId, now + 3_600_000, 'Australia/Sydney'],
      [warsaw.outboundId, now + 7_200_000, 'Europe/Warsaw'],
    ]);
  });
});
