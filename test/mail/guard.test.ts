import { describe, expect, it } from 'vitest';
import { earliestSlot, planSends, recipientDomain, SendLog } from '../../src/mail/guard.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0);
const S = 1000;
const H = 3_600_000;
const limits = { dailyLimit: 5, hourlyLimit: 3, perDomainHourlyLimit: 2, minSpacingSeconds: 30 };

describe('deliverability guard', () => {
  it('spaces sends of one mailbox and names the limit that holds each one', () => {
    const decisions = planSends(limits, T0, new SendLog(), new Map(), [
      { id: 'a', domain: 'x.test' },
      { id: 'b', domain: 'y.test' },
      { id: 'c', domain: 'z.test' },
      { id: 'd', domain: 'w.test' },
    ]);
    expect(decisions).toEqual([
      { id: 'a', action: 'send' },
      expect.objectContaining({ id: 'b', action: 'hold', notBefore: T0 + 30 * S, code: 'min_spacing' }),
      expect.objectContaining({ id: 'c', action: 'hold', notBefore: T0 + 60 * S, code: 'min_spacing' }),
      // Three in the hour already: the fourth waits until the first leaves the window.
      expect.objectContaining({ id: 'd', action: 'hold', notBefore: T0 + H, code: 'mailbox_hourly_limit' }),
    ]);
  });

  it('holds by recipient domain across mailboxes and by the daily limit', () => {
    const domains = new Map([['big.test', new SendLog([T0 - 10 * 60 * S, T0 - 5 * 60 * S])]]);
    const slot = earliestSlot(limits, T0, new SendLog(), domains.get('big.test')!);
    expect(slot).toEqual({ at: T0 + 50 * 60 * S, code: 'domain_hourly_limit' });

    const busyDay = new SendLog([T0 - 20 * H, T0 - 10 * H, T0 - 5 * H, T0 - 3 * H, T0 - 2 * H]);
    expect(earliestSlot(limits, T0, busyDay, new SendLog())).toEqual({
      at: T0 + 4 * H,
      code: 'mailbox_daily_limit',
    });
  });

  it('never lets more through than the limits in any window (randomised plan)', () => {
    const relaxed = { dailyLimit: 40, hourlyLimit: 7, perDomainHourlyLimit: 4, minSpacingSeconds: 45 };
    const messages = Array.from({ length: 200 }, (_, i) => ({ id: `m${i}`, domain: `d${i % 3}.test` }));
    const planned: { at: number; domain: string }[] = [];
    let now = T0;
    let queue = messages;
    // Re-plan as time passes, sending whatever is due, like the worker.
    for (let step = 0; step < 2000 && queue.length > 0; step++) {
      const plan = planSends(relaxed, now, new SendLog(planned.map((p) => p.at)), rebuild(planned), queue);
      const go = new Set(plan.filter((d) => d.action === 'send').map((d) => d.id));
      for (const message of queue) if (go.has(message.id)) planned.push({ at: now, domain: message.domain });
      queue = queue.filter((message) => !go.has(message.id));
      const next = Math.min(
        ...plan.filter((d) => d.action === 'hold').map((d) => (d.action === 'hold' ? d.notBefore : Infinity)),
      );
      now = Number.isFinite(next) ? next : now + 60 * S;
    }
    for (const send of planned) {
      const inHour = planned.filter((p) => p.at > send.at - H && p.at <= send.at);
      expect(inHour.length).toBeLessThanOrEqual(7);
      expect(inHour.filter((p) => p.domain === send.domain).length).toBeLessThanOrEqual(4);
      expect(planned.filter((p) => p.at > send.at - 24 * H && p.at <= send.at).length).toBeLessThanOrEqual(
        40,
      );
    }
    const times = planned.map((p) => p.at).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(45 * S);
    expect(planned.length).toBeGreaterThan(40);
  });

  it('reads the recipient domain', () => {
    expect(recipientDomain('Ada@Customer.Test ')).toBe('customer.test');
  });
});

function rebuild(planned: { at: number; domain: string }[]): Map<string, SendLog> {
  const map = new Map<string, SendLog>();
  for (const p of planned) {
    const log = map.get(p.domain) ?? new SendLog();
    log.add(p.at);
    map.set(p.domain, log);
  }
  return map;
}
