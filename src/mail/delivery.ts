import type { Config } from '../config.ts';
import type { Clock } from '../engine/clock.ts';
import { loopBeat } from '../engine/loop-health.ts';
import type { Store } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import {
  claimDueMessages,
  findStepNodeId,
  holdDomainBacklog,
  holdMany,
  holdSenderBacklog,
  lockOrgMail,
  type OutboundRow,
  orgSendsSince,
  senderSendTimes,
} from '../store/repos/mail-repo.ts';
import { type MailboxRow, resolveMailbox } from '../store/repos/mailbox-repo.ts';
import { markSendingLeased } from '../store/repos/outbox-sending.ts';
import { ClockCheck } from './clock-check.ts';
import { keepConnectionOrder } from './connection-order.ts';
import { planSends, recipientDomain, type SendLimits, SendLog } from './guard.ts';
import { holdEmailForGood } from './hold-email.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { countDeliveries } from './mail-metrics.ts';
import { type SenderHold, withOauth } from './oauth/oauth-route.ts';
import { type PreparedContent, prepareMessage } from './prepare-message.ts';
import { loadScheduleCheck, type ScheduleCheck } from './schedule-check.ts';
import { type Outgoing, recordFailure, type Sender, sendBatch } from './send-batch.ts';
import { loadSendContext, lookup, mailLimitsOf, type SendContext } from './send-context.ts';
import { pausedHold, stopMessage, stopReason } from './stop-message.ts';
import { routeFor, type TransportFactory, TransportPool } from './transport.ts';

export { messageIdFor } from './prepare-message.ts';
export { MAX_SEND_ATTEMPTS, retryDelayMs } from './send-batch.ts';

/**
 * The delivery worker drains the outbox:
 *  1. claim due messages with a lease (PostgreSQL: FOR UPDATE SKIP LOCKED);
 *  2. stop those that must not go (do-not-email, connection ended, no address);
 *  3. per organisation, under a lock: a later email of a connection waits behind an earlier unsent one; the
 *     deliverability guard plans each mailbox's messages; the ones that may go now are prepared ONCE (rendered or
 *     taken as written, sanitised, tracked, built into exact bytes — see prepare-message.ts) and marked `sending`
 *     BEFORE the SMTP exchange; the rest are held with the limit that decided it and the time they will go;
 *  4. SMTP (send-batch.ts): each message `sent` as soon as its 250 arrives, the lease renewed while the relay is
 *     slow; temporary failures retry with back-off (same bytes), permanent ones fail the message and tell the
 *     engine (`email_failed`).
 * A worker that dies inside an SMTP exchange leaves that message `sending`; when its lease expires another worker
 * sends the SAME bytes again (same Message-ID and Date) — the one documented duplicate window, one message per
 * SMTP connection in flight.
 */

export interface MailWorkerDeps {
  store: Store;
  clock: Clock;
  config: Pick<Config, 'secretKey' | 'publicUrl' | 'smtpUrl' | 'outboundAllowList'> & {
    worker: Pick<Config['worker'], 'batchSize' | 'leaseMs' | 'pollMs'>;
    verp?: Config['verp'];
  };
  logger?: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  workerId?: string;
  /** Builds SMTP transports (tests may count or break them); default nodemailer SMTP. */
  transportFactory?: TransportFactory;
  /**
   * Called right after each SMTP exchange, before the message is marked `sent`. Tests throw from it to
   * simulate a worker killed between `sending` and `sent` (the exception escapes `drain`, like a crash).
   */
  afterSmtp?: (row: OutboundRow) => Promise<void> | void;
  /** Claim only while this worker's clock agrees with the database's (clock-check.ts; the system clock only). */
  clockCheck?: boolean;
}

export interface DeliveryStats {
  sent: number;
  held: number;
  failed: number;
  canceled: number;
  retried: number;
}

interface PlannedSender extends Sender {
  limits: SendLimits;
  hold: SenderHold | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Messages claimed per round: few enough that the batch goes out well within one lease, even on a slow relay. */
const MAX_CLAIM = 100;

export class MailDelivery {
  readonly owner: string;
  private readonly pool: TransportPool;
  /** Mailbox configurations whose SMTP server refused the sign-in (see sign-in-hold.ts): route key → reason. */
  private readonly refusedRoutes = new Map<string, { reason: string; until: number }>();
  private readonly clockCheck: ClockCheck | null;
  constructor(private readonly deps: MailWorkerDeps) {
    this.owner = deps.workerId ?? `mail-${newId()}`;
    this.pool = new TransportPool(deps.transportFactory);
    this.clockCheck = deps.clockCheck ? ClockCheck.of(deps) : null;
  }

  close(): void {
    this.pool.close();
  }

  /** Delivers everything due at the clock's now (or, once `signal` aborts, ends after the batch in hand). */
  async drain(signal?: AbortSignal): Promise<DeliveryStats> {
    const stats: DeliveryStats = { sent: 0, held: 0, failed: 0, canceled: 0, retried: 0 };
    for (let round = 0; round < 10_000 && !signal?.aborted; round++) {
      loopBeat('mail');
      if (this.clockCheck && !(await this.clockCheck.agrees())) break;
      const now = this.deps.clock.now();
      const rows = await claimDueMessages(this.deps.store, {
        now,
        owner: this.owner,
        leaseMs: this.deps.config.worker.leaseMs,
        limit: Math.min(this.deps.config.worker.batchSize, MAX_CLAIM),
      });
      if (rows.length === 0) break;
      const leases = new LeaseKeeper({ ...this.deps, owner: this.owner, leaseMs: this.leaseMs }, rows);
      const before = { ...stats };
      try {
        const { outgoing, schedules } = await this.prepare(rows, now, stats);
        await sendBatch(
          {
            store: this.deps.store,
            clock: this.deps.clock,
            config: { ...this.deps.config, leaseMs: this.deps.config.worker.leaseMs },
            owner: this.owner,
            pool: this.pool,
            ...(this.deps.afterSmtp ? { afterSmtp: this.deps.afterSmtp } : {}),
            fail: async (row, reason, at) =>
              recordFailure(this.deps.store, row, reason, await findStepNodeId(this.deps.store.db, row), at),
            hold: (row, reason, at) => holdEmailForGood(this.deps.store, row, reason, at),
            refusedRoutes: this.refusedRoutes,
            schedule: schedules,
          },
          outgoing,
          stats,
          leases,
        );
      } finally {
        await leases.stop();
        countDeliveries(before, stats);
      }
    }
    return stats;
  }

  private async senderOf(
    row: OutboundRow,
    context: SendContext,
    cache: Map<string, PlannedSender>,
  ): Promise<PlannedSender> {
    const cacheKey = `${row.org_id}/${row.sender_user_id}`;
    const cached = cache.get(cacheKey);
    if (cached) return cached;
    const mailbox: MailboxRow | undefined = await resolveMailbox(
      this.deps.store.db,
      row.org_id,
      row.sender_user_id,
    );
    const user = lookup(context.users, row.org_id, row.sender_user_id);
    const own = mailbox?.user_id === row.sender_user_id;
    const orgLimits = mailLimitsOf(context.orgs.get(row.org_id));
    const sender: PlannedSender = {
      from: {
        name: (own ? mailbox?.from_name : null) ?? user?.name ?? 'Stepwise',
        address: (own ? mailbox?.from_address : null) ?? user?.email ?? 'no-reply@stepwise.local',
      },
      ...(await withOauth(
        this.deps.store.db,
        this.deps.config,
        mailbox,
        routeFor(
          mailbox,
          this.deps.config.smtpUrl,
          this.deps.config.secretKey,
          this.deps.config.outboundAllowList,
        ),
        this.deps.clock.now(),
      )),
      limits: {
        dailyLimit: (own ? mailbox?.daily_limit : null) ?? orgLimits.dailyLimit,
        hourlyLimit: (own ? mailbox?.hourly_limit : null) ?? orgLimits.hourlyLimit,
        perDomainHourlyLimit: orgLimits.perDomainHourlyLimit,
        minSpacingSeconds: (own ? mailbox?.min_spacing_seconds : null) ?? orgLimits.minSpacingSeconds,
      },
    };
    cache.set(cacheKey, sender);
    return sender;
  }

  /** Steps 2 and 3: stop, hold, or prepare and mark `sending`. */
  private async prepare(
    rows: OutboundRow[],
    now: number,
    stats: DeliveryStats,
  ): Promise<{ outgoing: Outgoing[]; schedules: ScheduleCheck }> {
    const { store } = this.deps;
    const context = await loadSendContext(store.db, rows);
    const senders = new Map<string, PlannedSender>();
    const outgoing: Outgoing[] = [];
    const fresh: OutboundRow[] = [];
    const contents = new Map<string, PreparedContent>();
    const schedules = await loadScheduleCheck(store.db, rows); // schedules (issue 13)
    for (const row of rows) {
      const sender = await this.senderOf(row, context, senders);
      if (row.status === 'sending') {
        // Crash recovery: the same bytes again, same Message-ID and Date.
        if (await markSendingLeased(store.db, row, this.owner, null, row.sent_at ?? now, this.leaseUntil())) {
          outgoing.push({ row, sender });
        }
        continue;
      }
      const stop = stopReason(row, context);
      if (stop) {
        await stopMessage(store, row, stop, now);
        if (stop.status === 'canceled') stats.canceled++;
        else stats.failed++;
        continue;
      }
      const paused = pausedHold(row, context, now);
      if (paused) {
        await holdMany(store.db, row.org_id, [{ id: row.id, ...paused }], now);
        stats.held++;
        continue;
      }
      if (sender.hold) {
        if (sender.hold.kind === 'reconnect')
          await holdEmailForGood(this.deps.store, row, sender.hold.reason, now);
        else await holdMany(store.db, row.org_id, [{ id: row.id, ...sender.hold }], now);
        stats.held++;
        continue;
      }
      // --- schedules (issue 13): an automated email goes only inside its schedule, checked right before SMTP
      // (retries included: a resend due at 20:00 local waits for the next open slot like a first attempt).
      const sendable = schedules.check(row, now);
      if (sendable.kind !== 'now') {
        if (sendable.kind === 'never') await holdEmailForGood(this.deps.store, row, sendable.reason, now);
        else
          await holdMany(
            store.db,
            row.org_id,
            [{ id: row.id, notBefore: sendable.at, reason: sendable.reason }],
            now,
          );
        stats.held++;
        continue;
      }
      // --- end schedules
      if (!row.raw_mime) {
        // Prepare first: a message that can never be sent as written is held now, not after waiting its turn.
        const prepared = await prepareMessage(row, context, sender.from, now, this.deps.config);
        if ('held' in prepared) {
          await holdEmailForGood(this.deps.store, row, prepared.held, now);
          stats.held++;
          continue;
        }
        contents.set(row.id, prepared);
      }
      fresh.push(row);
    }
    const byOrg = new Map<string, OutboundRow[]>();
    for (const row of fresh) byOrg.set(row.org_id, [...(byOrg.get(row.org_id) ?? []), row]);
    for (const [orgId, list] of byOrg) {
      await store.db.transaction().execute(async (trx) => {
        await lockOrgMail(store, trx, orgId);
        const { kept: inOrder, held } = await keepConnectionOrder(trx, orgId, list, now);
        stats.held += held;
        const domainLogs = new Map<string, SendLog>();
        for (const sent of await orgSendsSince(trx, orgId, now - HOUR)) {
          const domain = recipientDomain(sent.to_address);
          let log = domainLogs.get(domain);
          if (!log) {
            log = new SendLog();
            domainLogs.set(domain, log);
          }
          log.add(sent.sent_at);
        }
        const domainHolds = new Map<string, { notBefore: number; reason: string }>();
        const holds: { id: string; notBefore: number; reason: string }[] = [];
        const bySender = new Map<string, OutboundRow[]>();
        for (const row of inOrder)
          bySender.set(row.sender_user_id, [...(bySender.get(row.sender_user_id) ?? []), row]);
        for (const [senderId, messages] of bySender) {
          const sender = senders.get(`${orgId}/${senderId}`) as PlannedSender;
          const log = new SendLog(await senderSendTimes(trx, orgId, senderId, now - DAY));
          const decisions = planSends(
            sender.limits,
            now,
            log,
            domainLogs,
            messages.map((row) => ({ id: row.id, domain: recipientDomain(row.to_address) })),
          );
          let mailboxHold: { notBefore: number; reason: string } | null = null;
          for (const [index, decision] of decisions.entries()) {
            const row = messages[index] as OutboundRow;
            if (decision.action === 'hold') {
              const notBefore = schedules.afterLimit(row, decision.notBefore); // schedules (issue 13)
              const reason = `${decision.reason}; goes at ${new Date(notBefore).toISOString()}`;
              holds.push({ id: row.id, notBefore, reason });
              const hold = { notBefore: decision.notBefore, reason: decision.reason };
              if (decision.code === 'domain_hourly_limit') {
                const domain = recipientDomain(row.to_address);
                const known = domainHolds.get(domain);
                if (!known || known.notBefore < hold.notBefore) domainHolds.set(domain, hold);
              } else {
                mailboxHold = hold;
              }
              stats.held++;
              continue;
            }
            const content = contents.get(row.id) ?? null;
            if (!(await markSendingLeased(trx, row, this.owner, content, now, this.leaseUntil()))) continue;
            outgoing.push({
              row: content
                ? {
                    ...row,
                    status: 'sending',
                    subject: content.subject,
                    body_html: content.bodyHtml,
                    body_text: content.bodyText,
                    message_id: content.messageId,
                    raw_mime: content.rawMime,
                    sent_at: now,
                  }
                : { ...row, status: 'sending', sent_at: now },
              sender,
            });
          }
          await holdMany(trx, orgId, holds.splice(0), now);
          if (mailboxHold) {
            // Everything else due for this mailbox waits behind the planned messages: one statement.
            stats.held += await holdSenderBacklog(
              trx,
              orgId,
              senderId,
              now,
              mailboxHold.notBefore,
              `${mailboxHold.reason}; waiting behind earlier emails of this mailbox`,
            );
          }
        }
        for (const [domain, hold] of domainHolds) {
          stats.held += await holdDomainBacklog(
            trx,
            orgId,
            domain,
            now,
            hold.notBefore,
            `${hold.reason}; waiting behind earlier emails to ${domain}`,
          );
        }
      });
    }
    return { outgoing, schedules };
  }

  private get leaseMs(): number {
    return this.deps.config.worker.leaseMs;
  }

  /** From the clock's time NOW, not the round's start: preparing a batch takes time, the lease must not shrink. */
  private leaseUntil(): number {
    return this.deps.clock.now() + this.leaseMs;
  }
}
