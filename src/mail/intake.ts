import type { WebhookEventData } from '../domain/webhooks/events.ts';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/db.ts';
import { findMessage } from '../store/repos/mail-repo.ts';
import { addSuppression } from '../store/repos/suppressions-repo.ts';
import { applyDoNotEmail, recordEngagement, shortHash } from './engagement.ts';
import { machineReason } from './machine-open.ts';
import { emitWebhookEvent } from './webhooks.ts';

/** Opens, clicks and unsubscribes arriving over HTTP (tokens already verified by the routes). */

export interface IntakeDeps {
  store: Store;
  clock: Clock;
}

const MINUTE = 60_000;

export async function recordOpen(
  deps: IntakeDeps,
  ref: { orgId: string; messageId: string },
  request: { userAgent: string | undefined; ip: string },
): Promise<boolean> {
  const message = await findMessage(deps.store.db, ref.orgId, ref.messageId);
  if (message?.status !== 'sent') return false;
  const now = deps.clock.now();
  const machine = machineReason({ sentAt: message.sent_at, at: now, userAgent: request.userAgent });
  return deps.store.db.transaction().execute((trx) =>
    recordEngagement(trx, {
      message,
      type: 'open',
      // One row per message, kind (person/machine) and minute: a mail client re-fetching the image is one open.
      dedupeKey: `open:${message.id}:${machine ? 'm' : 'h'}:${Math.floor(now / MINUTE)}`,
      machine: machine !== null,
      data: { userAgent: request.userAgent?.slice(0, 300) ?? null, machineReason: machine },
      occurredAt: now,
      now,
      summary: machine ? `Opened (probably automatic: ${machine.replaceAll('_', ' ')})` : 'Opened the email',
      ...(machine ? {} : { results: ['opened' as const] }),
    }),
  );
}

export async function recordClick(
  deps: IntakeDeps,
  ref: { orgId: string; messageId: string; url: string },
  request: { userAgent: string | undefined; ip: string },
): Promise<boolean> {
  const message = await findMessage(deps.store.db, ref.orgId, ref.messageId);
  if (message?.status !== 'sent') return false;
  const now = deps.clock.now();
  const machine = machineReason({ sentAt: message.sent_at, at: now, userAgent: request.userAgent });
  return deps.store.db.transaction().execute((trx) =>
    recordEngagement(trx, {
      message,
      type: 'click',
      dedupeKey: `click:${message.id}:${shortHash(ref.url)}:${machine ? 'm' : 'h'}:${Math.floor(now / MINUTE)}`,
      machine: machine !== null,
      data: { url: ref.url, userAgent: request.userAgent?.slice(0, 300) ?? null, machineReason: machine },
      occurredAt: now,
      now,
      summary: machine ? `Link checked (probably a scanner): ${ref.url}` : `Clicked ${ref.url}`,
      // A click proves the email was opened even when images were blocked.
      ...(machine ? {} : { results: ['link_clicked' as const, 'opened' as const] }),
    }),
  );
}

/**
 * Whether a signed click link is one of the links of the email as it was sent (its token is in the stored body).
 * Links signed for anything else get an interstitial page instead of a redirect.
 */
export async function linkIsInMessage(
  deps: IntakeDeps,
  ref: { orgId: string; messageId: string },
  token: string,
): Promise<boolean> {
  const message = await findMessage(deps.store.db, ref.orgId, ref.messageId);
  return message?.body_html.includes(token) === true;
}

export type UnsubscribeOutcome = 'unsubscribed' | 'already' | 'unknown';

export async function recordUnsubscribe(
  deps: IntakeDeps,
  ref: { orgId: string; messageId: string },
  source: 'one_click' | 'page',
): Promise<UnsubscribeOutcome> {
  const message = await findMessage(deps.store.db, ref.orgId, ref.messageId);
  if (!message) return 'unknown';
  const now = deps.clock.now();
  return deps.store.db.transaction().execute(async (trx) => {
    const fresh = await recordEngagement(trx, {
      message,
      type: 'unsubscribe',
      dedupeKey: `unsubscribe:${message.id}`,
      machine: false,
      data: { source, address: message.to_address },
      occurredAt: now,
      now,
      summary: `Unsubscribed (${source === 'one_click' ? 'one-click from the mail client' : 'unsubscribe page'})`,
      exit: 'unsubscribed',
    });
    // The address itself is suppressed, not only this record: clearing the flag or another record with the same
    // address does not bring the emails back (SPEC §6).
    await addSuppression(trx, {
      orgId: message.org_id,
      address: message.to_address,
      reason: 'unsubscribe',
      detail: source === 'one_click' ? 'one-click unsubscribe' : 'unsubscribe page',
      outboundMessageId: message.id,
      createdBy: null,
      now,
    });
    if (message.record_id && fresh) {
      // The record-level event, beside `email.unsubscribed`: a CRM listening for record changes learns it here.
      const data: WebhookEventData['record.unsubscribed'] = {
        recordId: message.record_id,
        address: message.to_address,
        source,
        outboundMessageId: message.id,
        connectionId: message.connection_id,
      };
      await emitWebhookEvent(trx, {
        orgId: message.org_id,
        event: 'record.unsubscribed',
        payload: data,
        idempotencyKey: `record_unsubscribed:${message.id}`,
        now,
      });
    }
    if (message.record_id) {
      await applyDoNotEmail(trx, {
        orgId: message.org_id,
        recordId: message.record_id,
        sourceMessageId: message.id,
        exceptConnectionId: message.connection_id,
        now,
        reason: 'unsubscribed',
      });
    }
    return fresh ? 'unsubscribed' : 'already';
  });
}
