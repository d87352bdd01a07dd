import { describe, expect, it } from 'vitest';
import { FakeClock, HOUR } from '../../src/engine/clock.ts';
import { newId } from '../../src/store/ids.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld, USERS } from '../support/world.ts';
import { deliveryFor } from './mail-fixtures.ts';

const SENDERS = [USERS.eastSeller.id, USERS.eastSeller2.id, USERS.westSeller.id];
const LIMITS = { dailyLimit: 100, hourlyLimit: 30, perDomainHourlyLimit: 20, minSpacingSeconds: 0 };

describe.each(dialects)('deliverability guard under a burst on %s', (dialect) => {
  it('lets through no more than the limits allow when 10,000 emails are due at once', async () => {
    const store = await freshStore(dialect);
    const clock = new FakeClock();
    const t0 = clock.now();
    try {
      await seedWorld(store, t0);
      await store.db
        .updateTable('orgs')
        .set({ settings_json: JSON.stringify({ timeZone: 'Europe/Warsaw', mailLimits: LIMITS }) })
        .where('id', '=', ORG_ID)
        .execute();
      const templateId = newId(t0);
      await store.db
        .insertInto('email_templates')
        .values({
          org_id: ORG_ID,
          id: templateId,
          name: 'Burst',
          language: 'en',
          subject: 'News from {{ org.name }}',
          body_html: '<p>Hello {{ record.first_name | default: "there" }}</p>',
          body_text: null,
          record_type: null,
          owner_id: null,
          builtin: 0,
          created_at: t0,
          updated_at: t0,
        })
        .execute();
      // Half of the recipients share one domain, so the per-domain limit binds there.
      const domains = [
        'big.test',
        'a.test',
        'big.test',
        'b.test',
        'big.test',
        'c.test',
        'big.test',
        'd.test',
        'big.test',
        'e.test',
      ];
      const rows = Array.from({ length: 10_000 }, (_, i) => {
        const id = newId(t0);
        return {
          org_id: ORG_ID,
          id,
          connection_id: null,
          step_instance_id: null,
          record_id: null,
          sender_user_id: SENDERS[i % SENDERS.length]!,
          to_address: `r${i}@${domains[i % domains.length]}`,
          subject: '',
          body_html: '',
          body_text: '',
          message_id: `<${id}@stepwise.local>`,
          idempotency_key: `burst:${i}`,
          status: 'queued' as const,
          hold_reason: null,
          template_id: templateId,
          variant: null,
          tracking: 1 as const,
          not_before: t0,
          attempts: 0,
          last_error: null,
          lease_owner: null,
          lease_until: null,
          sent_at: null,
          created_at: t0,
          updated_at: t0,
        };
      });
      for (let i = 0; i < rows.length; i += 500) {
        await store.db
          .insertInto('outbound_messages')
          .values(rows.slice(i, i + 500))
          .execute();
      }

      // The catch-all outbox (no mailbox, no SMTP_URL). Move the clock to each next due time for 26 hours.
      const delivery = deliveryFor(store, clock);
      let first = true;
      for (let step = 0; step < 200 && clock.now() < t0 + 26 * HOUR; step++) {
        const stats = await delivery.drain();
        if (first) {
          expect(stats.sent).toBeGreaterThan(0);
          expect(stats.held).toBeGreaterThan(9000);
          first = false;
        }
        const next = await store.db
          .selectFrom('outbound_messages')
          .select((eb) => eb.fn.min('not_before').as('at'))
          .where('status', '=', 'queued')
          .executeTakeFirst();
        if (next?.at == null) break;
        clock.set(Math.max(Number(next.at), clock.now() + 1));
      }
      delivery.close();

      const sent = await store.db
        .selectFrom('outbound_messages')
        .select(['sender_user_id', 'to_address', 'sent_at'])
        .where('status', '=', 'sent')
        .execute();
      const byTime = sent.map((row) => ({ ...row, at: row.sent_at as number })).sort((a, b) => a.at - b.at);
      for (const send of byTime) {
        const hour = byTime.filter((other) => other.at > send.at - HOUR && other.at <= send.at);
        const day = byTime.filter((other) => other.at > send.at - 24 * HOUR && other.at <= send.at);
        expect(hour.filter((o) => o.sender_user_id === send.sender_user_id).length).toBeLessThanOrEqual(30);
        expect(day.filter((o) => o.sender_user_id === send.sender_user_id).length).toBeLessThanOrEqual(100);
        const domain = send.to_address.split('@')[1];
        expect(hour.filter((o) => o.to_address.endsWith(`@${domain}`)).length).toBeLessThanOrEqual(20);
      }
      // In the first hour every sender reaches its hourly limit, and the daily limit holds the rest for a day.
      const firstHour = byTime.filter((row) => row.at < t0 + HOUR);
      expect(firstHour.length).toBe(90);
      expect(firstHour.filter((row) => row.to_address.endsWith('@big.test')).length).toBe(20);
      const firstDay = byTime.filter((row) => row.at < t0 + 24 * HOUR);
      expect(firstDay.length).toBe(300);
      expect(byTime.length).toBeGreaterThan(300);

      const held = await store.db
        .selectFrom('outbound_messages')
        .select(['hold_reason', 'not_before'])
        .where('status', '=', 'queued')
        .limit(1)
        .executeTakeFirstOrThrow();
      expect(held.hold_reason).toMatch(/limit reached/);
      expect(held.not_before).toBeGreaterThan(clock.now() - HOUR);
    } finally {
      await store.close();
    }
  }, 60_000);
});
