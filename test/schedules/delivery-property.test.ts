import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, HOUR, MINUTE } from '../../src/engine/clock.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import type { Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import { insertSchedule } from '../../src/store/repos/schedules-repo.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  type LoopbackSmtp,
  queueEmail,
  type Scenario,
  seedSequence,
  startSmtp,
} from '../mail/mail-fixtures.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';

/**
 * The safety property at the SMTP sink: over random zones (any IANA zone), random weekly hours, random
 * holidays, random queue times, random delivery-loop runs (gaps of minutes to days stand for outages and pauses)
 * and random hourly limits, no automated email is ever sent outside its schedule or on one of its holidays, and
 * none is sent twice.
 */
const ZONES = ['America/New_York', 'Europe/Warsaw', 'Australia/Sydney', 'Asia/Kathmandu', 'America/St_Johns'];
const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const interval = fc
  .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 95 }), fc.integer({ min: 1, max: 40 }))
  .map(([day, start, length]) => ({
    day,
    from: hhmm(start * 15),
    to: start * 15 + length * 15 >= 1440 ? '24:00' : hhmm(start * 15 + length * 15),
  }));
const BASE = Date.UTC(2026, 2, 5); // covers the March DST changes of 2026 in the northern hemisphere
const caseArb = fc.record({
  zone: fc.constantFrom(...ZONES, ...Intl.supportedValuesOf('timeZone')),
  intervals: fc.array(interval, { minLength: 1, maxLength: 6 }),
  holidayOffsets: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 6 }),
  queued: fc.array(fc.integer({ min: 0, max: 10 * 24 * 60 }), { minLength: 1, maxLength: 4 }),
  gaps: fc.array(fc.integer({ min: 1, max: 30 * 60 }), { minLength: 5, maxLength: 25 }),
  hourlyLimit: fc.integer({ min: 1, max: 3 }),
});

describe.each(dialects)('no automated email leaves outside its schedule on %s', (dialect) => {
  let store: Store;
  let smtp: LoopbackSmtp;
  let scenario: Scenario;
  let mail: MailDelivery;
  const clock = new FakeClock(BASE);
  beforeAll(async () => {
    store = await freshStore(dialect);
    await seedWorld(store, clock.now());
    smtp = await startSmtp();
    await addSmtpMailbox(store, 'u-east-seller', smtp.port, clock.now());
    scenario = await seedSequence(store, clock.now());
    mail = deliveryFor(store, clock);
  });
  afterAll(async () => {
    mail.close();
    await smtp.close();
    await store.close();
  });

  it('holds for random zones, hours, holidays, outages and limits', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        // Each run: its own schedule and emails; earlier runs' emails are cancelled so they do not interfere.
        await store.db
          .updateTable('outbound_messages')
          .set({ status: 'canceled' })
          .where('status', 'in', ['queued', 'held'])
          .execute();
        await store.db
          .updateTable('orgs')
          .set({
            settings_json: JSON.stringify({
              timeZone: 'UTC',
              mailLimits: {
                dailyLimit: 1000,
                hourlyLimit: c.hourlyLimit,
                perDomainHourlyLimit: 1000,
                minSpacingSeconds: 0,
              },
            }),
          })
          .where('id', '=', ORG_ID)
          .execute();
        const holidays = [
          ...new Set(
            c.holidayOffsets.map(
              (o) => DateTime.fromMillis(BASE + o * 86_400_000, { zone: c.zone }).toISODate() as string,
            ),
          ),
        ];
        const scheduleId = newId(clock.now());
        await insertSchedule(store.db, {
          org_id: ORG_ID,
          id: scheduleId,
          name: `p-${scheduleId}`,
          is_default: 0,
          zone_mode: 'fixed',
          zone: c.zone,
          intervals_json: JSON.stringify(c.intervals),
          holidays_json: JSON.stringify({ dates: holidays, country: null, region: null }),
          created_at: 0,
          updated_at: 0,
        });
        // Emails queued at random times; the delivery loop runs only at random moments (gaps = outages).
        const start = clock.now() + HOUR;
        const ids: string[] = [];
        for (const minute of [...c.queued].sort((a, b) => a - b)) {
          const { outboundId } = await queueEmail(store, scenario, start + minute * MINUTE, {
            notBefore: start + minute * MINUTE,
          });
          await store.db
            .updateTable('outbound_messages')
            .set({ schedule_id: scheduleId })
            .where('id', '=', outboundId)
            .execute();
          ids.push(outboundId);
        }
        let now = start;
        for (const gap of c.gaps) {
          now += gap * MINUTE;
          clock.set(now);
          await mail.drain();
        }
        const rows = await store.db
          .selectFrom('outbound_messages')
          .selectAll()
          .where('id', 'in', ids)
          .execute();
        const days = new Set(c.intervals.map((i) => i.day));
        for (const row of rows.filter((r) => r.status === 'sent')) {
          const at = DateTime.fromMillis(Number(row.sent_at), { zone: c.zone });
          const date = at.toISODate() as string;
          expect(holidays.includes(date), `sent on holiday ${date}`).toBe(false);
          expect(days.has(at.weekday)).toBe(true);
          const minute = at.hour * 60 + at.minute;
          const open = c.intervals.some((i) => {
            if (i.day !== at.weekday) return false;
            const from = Number(i.from.slice(0, 2)) * 60 + Number(i.from.slice(3));
            const to = Number(i.to.slice(0, 2)) * 60 + Number(i.to.slice(3));
            return minute >= from && minute < to;
          });
          expect(open, `sent at ${at.toISO()} outside ${JSON.stringify(c.intervals)}`).toBe(true);
        }
        const sentIds = new Set(
          smtp.received.map((m) => /X-Stepwise-Message: (\S+)/.exec(m.raw.toString())?.[1]),
        );
        for (const row of rows) expect(sentIds.has(row.id)).toBe(row.status === 'sent');
        expect(smtp.received.length).toBe(
          new Set(smtp.received.map((m) => m.raw.toString().match(/X-Stepwise-Message: (\S+)/)?.[1])).size,
        );
        clock.set(now + HOUR);
      }),
      { numRuns: dialect === 'sqlite' ? 25 : 10 },
    );
  }, 240_000);
});
