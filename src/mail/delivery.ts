import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../config.ts';
import type { EngineEvent } from '../domain/engine/events.ts';
import type { Clock } from '../engine/clock.ts';
import { enqueueEvent } from '../engine/enqueue-event.ts';
import type { Store } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import {
  claimDueMessages,
  holdDomainBacklog,
  holdMany,
  holdSenderBacklog,
  insertTimeline,
  lockOrgMail,
  markSending,
  markStopped,
  type OutboundRow,
  orgSendsSince,
  type RenderedContent,
  scheduleRetry,
  senderSendTimes,
} from '../store/repos/mail-repo.ts';
import { type MailboxRow, resolveMailbox } from '../store/repos/mailbox-repo.ts';
import { planSends, recipientDomain, type SendLimits, SendLog } from './guard.ts';
import { holdReasonFor, renderTemplate } from './render.ts';
import {
  buildRenderContext,
  loadSendContext,
  lookup,
  mailLimitsOf,
  type SendContext,
} from './send-context.ts';
import { addOpenPixel, clickUrl, openUrl, rewriteLinks, unsubscribeUrl } from './tracking.ts';
import {
  classifySmtpError,
  type Route,
  routeFor,
  type TransportFactory,
  TransportPool,
} from './transport.ts';
import { emitWebhookEvent, startPolling, type Worker } from './webhooks.ts';

/**
 * The delivery worker drains the outbox:
 *  1. claim due messages with a lease (PostgreSQL: FOR UPDATE SKIP LOCKED);
 *  2. stop those that must not go (do-not-email, connection ended, no address);
 *  3. per organisation, under a lock: the deliverability guard plans each mailbox's messages, the ones that
 *     may go now are rendered and marked `sending` (with their final content) BEFORE the SMTP exchange, the
 *     rest are held with the limit that decided it and the time they will go;
 *  4. SMTP, then `sent` (+ timeline, webhook); temporary failures retry with back-off, permanent ones fail the
 *     message and tell the engine (`email_failed`).
 * A worker that dies inside the SMTP exchange leaves the message `sending`; when its lease expires another
 * worker sends the stored content again with the SAME Message-ID (the one documented duplicate window).
 */

export interface MailWorkerDeps {
  store: Store;
  clock: Clock;
  config: Pick<Config, 'secretKey' | 'publicUrl' | 'smtpUrl'> & {
    worker: Pick<Config['worker'], 'batchSize' | 'leaseMs' | 'pollMs'>;
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
}

export interface DeliveryStats {
  sent: number;
  held: number;
  failed: number;
  canceled: number;
  retried: number;
}

export const MAX_SEND_ATTEMPTS = 6;
/** Back-off after a temporary failure: 1 min, 5 min, 15 min, 1 h, 3 h. */
export function retryDelayMs(attempt: number): number {
  const steps = [60_000, 300_000, 900_000, 3_600_000, 10_800_000];
  return steps[Math.min(Math.max(attempt, 1) - 1, steps.length - 1)] as number;
}

/** `<outbound-id@host-of-PUBLIC_URL>` unless the row already carries one. */
export function messageIdFor(row: Pick<OutboundRow, 'id' | 'message_id'>, publicUrl: string): string {
  if (/^<[^<>@\s]+@[^<>@\s]+>$/.test(row.message_id)) return row.message_id;
  return `<${row.id}@${new URL(publicUrl).hostname || 'stepwise.local'}>`;
}

interface Sender {
  from: { name: string; address: string };
  route: Route;
  limits: SendLimits;
}

interface Outgoing {
  row: OutboundRow;
  sender: Sender;
}

/** Messages in flight per mailbox route (the pooled transport keeps as many SMTP connections open). */
const SEND_CONCURRENCY = 8;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export class MailDelivery {
  readonly owner: string;
  private readonly pool: TransportPool;
  constructor(private readonly deps: MailWorkerDeps) {
    this.owner = deps.workerId ?? `mail-${newId()}`;
    this.pool = new TransportPool(deps.transportFactory);
  }

  close(): void {
    this.pool.close();
  }

  /** Delivers everything due at the clock's now; returns what happened. */
  async drain(): Promise<DeliveryStats> {
    const stats: DeliveryStats = { sent: 0, held: 0, failed: 0, canceled: 0, retried: 0 };
    for (let round = 0; round < 10_000; round++) {
      const now = this.deps.clock.now();
      const rows = await claimDueMessages(this.deps.store, {
        now,
        owner: this.owner,
        leaseMs: this.deps.config.worker.leaseMs,
        limit: this.deps.config.worker.batchSize,
      });
      if (rows.length === 0) break;
      const outgoing = await this.prepare(rows, now, stats);
      await this.sendAll(outgoing, stats);
    }
    return stats;
  }

  private async senderOf(
    row: OutboundRow,
    context: SendContext,
    cache: Map<string, Sender>,
  ): Promise<Sender> {
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
    const sender: Sender = {
      from: {
        name: (own ? mailbox?.from_name : null) ?? user?.name ?? 'Stepwise',
        address: (own ? mailbox?.from_address : null) ?? user?.email ?? 'no-reply@stepwise.local',
      },
      route: routeFor(mailbox, this.deps.config.smtpUrl, this.deps.config.secretKey),
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

  /** Steps 2 and 3: stop, hold, or render and mark `sending`. */
  private async prepare(rows: OutboundRow[], now: number, stats: DeliveryStats): Promise<Outgoing[]> {
    const { store } = this.deps;
    const context = await loadSendContext(store.db, rows);
    const senders = new Map<string, Sender>();
    const outgoing: Outgoing[] = [];
    const fresh: OutboundRow[] = [];
    const contents = new Map<string, RenderedContent>();
    for (const row of rows) {
      const sender = await this.senderOf(row, context, senders);
      if (row.status === 'sending') {
        // Crash recovery: already counted and rendered; send the stored content again, same Message-ID.
        outgoing.push({ row, sender });
        continue;
      }
      const stop = this.stopReason(row, context);
      if (stop) {
        await this.stop(row, stop, now);
        if (stop.status === 'canceled') stats.canceled++;
        else stats.failed++;
        continue;
      }
      // Render first: a message that can never be sent as written is held now, not after waiting its turn.
      const rendered = this.render(row, context);
      if ('held' in rendered) {
        await this.holdForever(row, rendered.held, now);
        stats.held++;
        continue;
      }
      contents.set(row.id, rendered);
      fresh.push(row);
    }
    const byOrg = new Map<string, OutboundRow[]>();
    for (const row of fresh) byOrg.set(row.org_id, [...(byOrg.get(row.org_id) ?? []), row]);
    for (const [orgId, list] of byOrg) {
      await store.db.transaction().execute(async (trx) => {
        await lockOrgMail(store, trx, orgId);
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
        for (const row of list)
          bySender.set(row.sender_user_id, [...(bySender.get(row.sender_user_id) ?? []), row]);
        for (const [senderId, messages] of bySender) {
          const sender = senders.get(`${orgId}/${senderId}`) as Sender;
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
              const reason = `${decision.reason}; goes at ${new Date(decision.notBefore).toISOString()}`;
              holds.push({ id: row.id, notBefore: decision.notBefore, reason });
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
            const rendered = contents.get(row.id) as RenderedContent;
            await markSending(trx, row, rendered, now, now + this.deps.config.worker.leaseMs);
            outgoing.push({
              row: {
                ...row,
                status: 'sending',
                subject: rendered.subject,
                body_html: rendered.bodyHtml,
                body_text: rendered.bodyText,
                message_id: rendered.messageId,
                sent_at: now,
              },
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
    return outgoing;
  }

  /** Held until a person acts (fix the record or template, then retry): shown in the outbox and timeline. */
  private async holdForever(row: OutboundRow, reason: string, now: number): Promise<void> {
    await this.deps.store.db.transaction().execute(async (trx) => {
      await markStopped(trx, row, 'held', reason, now);
      if (row.record_id) {
        await insertTimeline(trx, {
          orgId: row.org_id,
          recordId: row.record_id,
          connectionId: row.connection_id,
          kind: 'email_held',
          actorId: null,
          summary: `Email held: ${reason}`,
          data: { outboundMessageId: row.id },
          occurredAt: now,
        });
      }
    });
  }

  private stopReason(
    row: OutboundRow,
    context: SendContext,
  ): { status: 'canceled' | 'failed'; reason: string; exit?: 'do_not_email' } | null {
    const record = lookup(context.records, row.org_id, row.record_id);
    if (record?.do_not_email === 1) {
      return { status: 'canceled', reason: 'The record is marked do not email', exit: 'do_not_email' };
    }
    const connection = lookup(context.connections, row.org_id, row.connection_id);
    if (connection && (connection.status === 'disconnected' || connection.status === 'failed')) {
      return { status: 'canceled', reason: `The connection is ${connection.status}` };
    }
    if (!row.to_address?.includes('@')) {
      return { status: 'failed', reason: 'The record has no email address' };
    }
    return null;
  }

  private async stop(
    row: OutboundRow,
    stop: { status: 'canceled' | 'failed'; reason: string; exit?: 'do_not_email' },
    now: number,
  ): Promise<void> {
    await this.deps.store.db.transaction().execute(async (trx) => {
      await markStopped(trx, row, stop.status, stop.reason, now);
      if (!row.connection_id) return;
      let event: EngineEvent | null = null;
      if (stop.exit) {
        event = { id: `mail:${row.id}:exit:${stop.exit}`, type: 'exit', reason: stop.exit };
      } else if (stop.status === 'failed') {
        const nodeId = await this.nodeIdOf(trx, row);
        if (nodeId)
          event = { id: `mail:${row.id}:failed`, type: 'email_failed', nodeId, reason: stop.reason };
      }
      if (event) {
        await enqueueEvent(trx, {
          orgId: row.org_id,
          connectionId: row.connection_id,
          event,
          dueAt: now,
          now,
        });
      }
    });
  }

  private async nodeIdOf(db: Store['db'], row: OutboundRow): Promise<string | null> {
    if (!row.step_instance_id) return null;
    const step = await db
      .selectFrom('step_instances')
      .select('node_id')
      .where('org_id', '=', row.org_id)
      .where('id', '=', row.step_instance_id)
      .executeTakeFirst();
    return step?.node_id ?? null;
  }

  private render(row: OutboundRow, context: SendContext): { held: string } | RenderedContent {
    const { secretKey, publicUrl } = this.deps.config;
    const template = lookup(context.templates, row.org_id, row.template_id);
    const source =
      row.subject.trim() || row.body_html.trim()
        ? { subject: row.subject, bodyHtml: row.body_html, bodyText: row.body_text }
        : template
          ? { subject: template.subject, bodyHtml: template.body_html, bodyText: template.body_text }
          : null;
    if (!source) return { held: 'The email has no template and no content' };
    const record = lookup(context.records, row.org_id, row.record_id);
    const owner = lookup(context.users, row.org_id, row.sender_user_id);
    const rendered = renderTemplate(source, buildRenderContext(record, owner, context.orgs.get(row.org_id)));
    const reason = holdReasonFor(rendered);
    if (reason) return { held: reason };
    if (!rendered.subject) return { held: 'The subject is empty' };
    const ref = { orgId: row.org_id, messageId: row.id };
    const options = lookup(context.tracking, row.org_id, row.connection_id) ?? { opens: true, clicks: true };
    let html = rendered.html;
    if (row.tracking === 1 && options.clicks)
      html = rewriteLinks(html, (url) => clickUrl(publicUrl, secretKey, ref, url));
    if (row.tracking === 1 && options.opens) html = addOpenPixel(html, openUrl(publicUrl, secretKey, ref));
    return {
      subject: rendered.subject,
      bodyHtml: html,
      bodyText: rendered.text,
      messageId: messageIdFor(row, publicUrl),
    };
  }

  /** The nodemailer message: deterministic Message-ID, RFC 8058 one-click unsubscribe headers, text part. */
  mailOptions(row: OutboundRow, from: { name: string; address: string }): Mail.Options {
    const { secretKey, publicUrl } = this.deps.config;
    const unsubscribe = unsubscribeUrl(publicUrl, secretKey, { orgId: row.org_id, messageId: row.id });
    return {
      from,
      to: row.to_address,
      subject: row.subject,
      html: row.body_html,
      text: row.body_text,
      messageId: row.message_id,
      date: new Date(row.sent_at ?? this.deps.clock.now()),
      headers: {
        'List-Unsubscribe': `<${unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Stepwise-Message': row.id,
      },
    };
  }

  /**
   * Step 4: SMTP. Mailboxes in parallel; within a mailbox up to SEND_CONCURRENCY messages in flight over the
   * route's pooled connections (the guard has already decided which may go now). Successful sends are recorded
   * `sent` in one transaction per chunk — also when a send throws (a crash simulation or a bug), so messages that
   * did go out are never left `sending` and sent again.
   */
  private async sendAll(outgoing: Outgoing[], stats: DeliveryStats): Promise<void> {
    const byRoute = new Map<string, Outgoing[]>();
    for (const item of outgoing) {
      const routeKey = item.sender.route.kind === 'smtp' ? item.sender.route.key : 'catch_all';
      byRoute.set(routeKey, [...(byRoute.get(routeKey) ?? []), item]);
    }
    const sent: Outgoing[] = [];
    let failure: { error: unknown } | null = null;
    const lane = async (items: Outgoing[], next: { index: number }) => {
      while (!failure && next.index < items.length) {
        const item = items[next.index++] as Outgoing;
        try {
          if (await this.sendOne(item, stats)) sent.push(item);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(
      [...byRoute.values()].map((items) => {
        const next = { index: 0 };
        const lanes = Math.min(SEND_CONCURRENCY, items.length);
        return Promise.all(Array.from({ length: lanes }, () => lane(items, next)));
      }),
    );
    for (let from = 0; from < sent.length; from += 500) {
      await this.recordSent(sent.slice(from, from + 500));
    }
    stats.sent += sent.length;
    if (failure) throw (failure as { error: unknown }).error;
  }

  /** SMTP for one message; true when it went out (retries and failures are recorded here). */
  private async sendOne({ row, sender }: Outgoing, stats: DeliveryStats): Promise<boolean> {
    const { store, clock } = this.deps;
    try {
      if (sender.route.kind === 'smtp') {
        await this.pool.get(sender.route).sendMail(this.mailOptions(row, sender.from));
      }
    } catch (error) {
      const failure = classifySmtpError(error);
      const now = clock.now();
      if (!failure.permanent && row.attempts + 1 < MAX_SEND_ATTEMPTS) {
        await scheduleRetry(store.db, row, now + retryDelayMs(row.attempts + 1), failure.reason, now);
        stats.retried++;
        return false;
      }
      await this.fail(row, failure.reason, now);
      stats.failed++;
      return false;
    }
    await this.deps.afterSmtp?.(row);
    return true;
  }

  /** `sent` + timeline + webhook for messages that went out, in one transaction. */
  private async recordSent(items: Outgoing[]): Promise<void> {
    const { store, clock } = this.deps;
    const now = clock.now();
    await store.db.transaction().execute(async (trx) => {
      const byOrg = new Map<string, string[]>();
      for (const { row } of items) byOrg.set(row.org_id, [...(byOrg.get(row.org_id) ?? []), row.id]);
      for (const [orgId, ids] of byOrg) {
        await trx
          .updateTable('outbound_messages')
          .set({
            status: 'sent',
            sent_at: now,
            lease_owner: null,
            lease_until: null,
            last_error: null,
            updated_at: now,
          })
          .where('org_id', '=', orgId)
          .where('id', 'in', ids)
          .where('status', '=', 'sending')
          .execute();
      }
      for (const { row, sender } of items) {
        if (row.record_id) {
          await insertTimeline(trx, {
            orgId: row.org_id,
            recordId: row.record_id,
            connectionId: row.connection_id,
            kind: 'email_sent',
            actorId: null,
            summary: `Email sent: ${row.subject}`,
            data: {
              outboundMessageId: row.id,
              messageId: row.message_id,
              to: row.to_address,
              from: sender.from.address,
            },
            occurredAt: now,
          });
        }
        await emitWebhookEvent(trx, {
          orgId: row.org_id,
          event: 'email.sent',
          payload: {
            outboundMessageId: row.id,
            messageId: row.message_id,
            recordId: row.record_id,
            connectionId: row.connection_id,
            to: row.to_address,
            subject: row.subject,
            catchAll: sender.route.kind === 'catch_all',
          },
          idempotencyKey: `email.sent:${row.id}`,
          now,
        });
      }
    });
  }

  private async fail(row: OutboundRow, reason: string, now: number): Promise<void> {
    await this.deps.store.db.transaction().execute(async (trx) => {
      await markStopped(trx, row, 'failed', reason, now);
      if (row.record_id) {
        await insertTimeline(trx, {
          orgId: row.org_id,
          recordId: row.record_id,
          connectionId: row.connection_id,
          kind: 'email_failed',
          actorId: null,
          summary: `Email failed: ${reason}`.slice(0, 500),
          data: { outboundMessageId: row.id },
          occurredAt: now,
        });
      }
      if (row.connection_id) {
        const nodeId = await this.nodeIdOf(trx, row);
        if (nodeId) {
          await enqueueEvent(trx, {
            orgId: row.org_id,
            connectionId: row.connection_id,
            event: { id: `mail:${row.id}:failed`, type: 'email_failed', nodeId, reason },
            dueAt: now,
            now,
          });
        }
      }
      await emitWebhookEvent(trx, {
        orgId: row.org_id,
        event: 'email.failed',
        payload: {
          outboundMessageId: row.id,
          recordId: row.record_id,
          connectionId: row.connection_id,
          reason,
        },
        idempotencyKey: `email.failed:${row.id}`,
        now,
      });
    });
  }
}

/** Starts polling the outbox every `config.worker.pollMs`; `drain` delivers what is due at the clock's now. */
export function startMailWorker(deps: MailWorkerDeps): {
  stop(): Promise<void>;
  drain(): Promise<DeliveryStats>;
} {
  const delivery = new MailDelivery(deps);
  let last: DeliveryStats = { sent: 0, held: 0, failed: 0, canceled: 0, retried: 0 };
  const worker: Worker = startPolling(
    async () => {
      last = await delivery.drain();
      return last.sent;
    },
    deps.config.worker.pollMs,
    (error) => deps.logger?.error({ err: error }, 'mail delivery failed'),
  );
  return {
    async stop() {
      await worker.stop();
      delivery.close();
    },
    async drain() {
      await worker.drain();
      return last;
    },
  };
}
