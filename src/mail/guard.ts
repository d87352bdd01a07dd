/**
 * The deliverability guard, as a pure decision: given a mailbox's recent sends, the recipient domains' recent
 * sends and the limits, when may each due message go? A message that may not go now is held until the earliest
 * moment every limit allows it, with the limit that decided it ("why and when it will go").
 */

export interface SendLimits {
  /** Emails per mailbox in any 24 hours. */
  dailyLimit: number;
  /** Emails per mailbox in any hour. */
  hourlyLimit: number;
  /** Emails to one recipient domain in any hour, across the organisation. */
  perDomainHourlyLimit: number;
  /** Smallest gap between two sends of one mailbox. */
  minSpacingSeconds: number;
}

export type HoldCode = 'mailbox_daily_limit' | 'mailbox_hourly_limit' | 'domain_hourly_limit' | 'min_spacing';

export type SendDecision =
  | { id: string; action: 'send' }
  | { id: string; action: 'hold'; notBefore: number; code: HoldCode; reason: string };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Sorted send times; counts in a window by binary search. Projected (planned) sends are added as we go. */
export class SendLog {
  private readonly times: number[];
  constructor(times: Iterable<number> = []) {
    this.times = [...times].sort((a, b) => a - b);
  }
  add(at: number): void {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.times[mid] as number) <= at) lo = mid + 1;
      else hi = mid;
    }
    this.times.splice(lo, 0, at);
  }
  /** Index of the first send later than `after`. */
  private firstAfter(after: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.times[mid] as number) <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  /**
   * The earliest time >= t at which fewer than `limit` sends fall in the window (t - span, t]. Sends planned
   * for later than t do not count at t (they are projections, re-checked when they come due).
   */
  earliestWithRoom(t: number, span: number, limit: number): number {
    const start = this.firstAfter(t - span);
    const end = this.firstAfter(t);
    const inWindow = end - start;
    if (inWindow < limit) return t;
    // The oldest (inWindow - limit + 1) sends must leave the window.
    return (this.times[start + inWindow - limit] as number) + span;
  }
  /** The latest send at or before t. */
  lastAtOrBefore(t: number): number | undefined {
    const end = this.firstAfter(t);
    return end > 0 ? this.times[end - 1] : undefined;
  }
  last(): number | undefined {
    return this.times[this.times.length - 1];
  }
  get size(): number {
    return this.times.length;
  }
}

function describe(code: HoldCode, limits: SendLimits): string {
  switch (code) {
    case 'mailbox_daily_limit':
      return `Mailbox daily limit reached (${limits.dailyLimit} emails per 24 hours)`;
    case 'mailbox_hourly_limit':
      return `Mailbox hourly limit reached (${limits.hourlyLimit} emails per hour)`;
    case 'domain_hourly_limit':
      return `Recipient domain limit reached (${limits.perDomainHourlyLimit} emails per hour to one domain)`;
    case 'min_spacing':
      return `Spacing between sends (${limits.minSpacingSeconds} seconds per mailbox)`;
  }
}

/** The earliest moment a message to `domain` may leave this mailbox, and the limit that decided it. */
export function earliestSlot(
  limits: SendLimits,
  now: number,
  mailbox: SendLog,
  domainLog: SendLog,
): { at: number; code: HoldCode | null } {
  let t = now;
  let code: HoldCode | null = null;
  for (let round = 0; round < 50; round++) {
    const before = t;
    const spacing = limits.minSpacingSeconds * 1000;
    const last = mailbox.lastAtOrBefore(t);
    if (last !== undefined && spacing > 0 && t < last + spacing) {
      t = last + spacing;
      code = 'min_spacing';
    }
    const daily = mailbox.earliestWithRoom(t, DAY, limits.dailyLimit);
    if (daily > t) {
      t = daily;
      code = 'mailbox_daily_limit';
    }
    const hourly = mailbox.earliestWithRoom(t, HOUR, limits.hourlyLimit);
    if (hourly > t) {
      t = hourly;
      code = 'mailbox_hourly_limit';
    }
    const domain = domainLog.earliestWithRoom(t, HOUR, limits.perDomainHourlyLimit);
    if (domain > t) {
      t = domain;
      code = 'domain_hourly_limit';
    }
    if (t === before) break;
  }
  return { at: t, code: t > now ? code : null };
}

/**
 * Plans due messages of one mailbox in order. Each planned slot is recorded in the logs, so later messages
 * queue behind earlier ones and messages of other mailboxes see the domain's planned sends.
 */
export function planSends(
  limits: SendLimits,
  now: number,
  mailbox: SendLog,
  domains: Map<string, SendLog>,
  messages: { id: string; domain: string }[],
): SendDecision[] {
  return messages.map((message) => {
    let domainLog = domains.get(message.domain);
    if (!domainLog) {
      domainLog = new SendLog();
      domains.set(message.domain, domainLog);
    }
    const slot = earliestSlot(limits, now, mailbox, domainLog);
    mailbox.add(slot.at);
    domainLog.add(slot.at);
    if (slot.at <= now || slot.code === null) return { id: message.id, action: 'send' as const };
    return {
      id: message.id,
      action: 'hold' as const,
      notBefore: slot.at,
      code: slot.code,
      reason: describe(slot.code, limits),
    };
  });
}

export function recipientDomain(address: string): string {
  const at = address.lastIndexOf('@');
  return (at >= 0 ? address.slice(at + 1) : address).trim().toLowerCase();
}
