import type { Kysely } from 'kysely';
import { cancelPendingForRecord, insertTimeline } from '../store/repos/mail-repo.ts';
import { markMessageBounced } from '../store/repos/outbox-bounce-repo.ts';
import { addSuppression } from '../store/repos/suppressions-repo.ts';
import type { Database } from '../store/schema.ts';
import type { Classification, RecipientReport } from './classify/index.ts';
import { applyDoNotEmail, type MessageRef, recordEngagement } from './engagement.ts';
import { notifyBounce } from './notify-bounce.ts';

/**
 * What a classified inbound message does to the email it was matched to, inside the caller's transaction.
 * Every effect is keyed so that the same message arriving twice (or by two paths) acts once:
 * - final failure: the connection ends `bounced` with the reason, the record's unsent emails are canceled, the
 *   outbox email shows the failure; a hard one also puts the address on the organisation's suppression list;
 * - delay: a timeline note, nothing else;
 * - complaint or opt-out: the record becomes do-not-email, the connection ends, the address is suppressed;
 * - automatic reply or challenge: recorded, not a reply; real reply: a reply;
 * - delivered report or other mail: nothing.
 */

export type InboundEffect =
  | { kind: 'reply'; duplicate: boolean }
  | { kind: 'auto_reply'; duplicate: boolean; reason: string }
  | { kind: 'bounce'; duplicate: boolean; hard: boolean; status: string; reason: string }
  | { kind: 'delay'; duplicate: boolean; status: string }
  | { kind: 'complaint'; duplicate: boolean; feedbackType: string }
  | { kind: 'ignored'; reason: string };

export interface InboundFacts {
  /** The inbound message's own Message-ID, or a hash of its content: the dedupe key of replies. */
  inboundKey: string;
  from: string | null;
  subject: string | null;
  snippet: string;
  now: number;
  /** This very message was already taken in as a delay of this email (a relay's retry, a second path). */
  delayKnown?: boolean;
}

/** The failure that concerns the address we sent to (else the first failure). */
export function failureFor(message: MessageRef, recipients: RecipientReport[]): RecipientReport | undefined {
  const failures = recipients.filter((r) => r.action === 'failed' || r.action === 'delayed');
  const address = message.to_address.toLowerCase();
  return failures.find((r) => r.address === address) ?? failures[0];
}

function describe(failure: RecipientReport | undefined): string {
  if (!failure) return 'no details';
  return `${failure.status} ${failure.reason}${failure.diagnostic ? `: ${failure.diagnostic}` : ''}`.slice(
    0,
    500,
  );
}

export async function applyInbound(
  db: Kysely<Database>,
  message: MessageRef,
  classification: Classification,
  facts: InboundFacts,
): Promise<InboundEffect> {
  const { now } = facts;
  const base = { message, occurredAt: now, now };
  switch (classification.class) {
    case 'bounce': {
      const failure = failureFor(message, classification.recipients);
      const hard = failure?.hard ?? false;
      const status = failure?.status ?? '5.0.900';
      const reason = failure?.reason ?? 'undefined';
      const fresh = await recordEngagement(db, {
        ...base,
        type: 'bounce',
        dedupeKey: `bounce:${message.id}`,
        machine: false,
        data: {
          hard,
          status,
          reason,
          recipient: failure?.address ?? null,
          diagnostic: failure?.diagnostic ?? null,
          via: classification.via,
        },
        summary: `Email bounced (${hard ? 'hard' : 'soft'}, ${reason}): ${describe(failure)}`,
        exit: 'bounced',
      });
      if (fresh) {
        await markMessageBounced(db, {
          orgId: message.org_id,
          id: message.id,
          reason: `Bounced ${describe(failure)}`,
          now,
        });
        await notifyBounce(db, message, { hard, status, reason }, now);
        if (message.record_id) {
          await cancelPendingForRecord(
            db,
            message.org_id,
            message.record_id,
            `Bounced ${status} ${reason}`,
            now,
          );
        }
        if (hard) {
          await addSuppression(db, {
            orgId: message.org_id,
            address: message.to_address,
            reason: 'hard_bounce',
            detail: describe(failure),
            outboundMessageId: message.id,
            createdBy: null,
            now,
          });
        }
      }
      return { kind: 'bounce', duplicate: !fresh, hard, status, reason };
    }
    case 'delay': {
      const failure = failureFor(message, classification.recipients);
      if (facts.delayKnown) return { kind: 'delay', duplicate: true, status: failure?.status ?? '4.0.0' };
      if (message.record_id) {
        await insertTimeline(db, {
          orgId: message.org_id,
          recordId: message.record_id,
          connectionId: message.connection_id,
          kind: 'email_delayed',
          actorId: null,
          summary: `Delivery delayed, the server keeps trying (${describe(failure)})`,
          data: {
            outboundMessageId: message.id,
            status: failure?.status ?? null,
            reason: failure?.reason ?? null,
          },
          occurredAt: now,
        });
      }
      return { kind: 'delay', duplicate: false, status: failure?.status ?? '4.0.0' };
    }
    case 'feedback': {
      const feedbackType = classification.detail ?? 'abuse';
      const optOut = feedbackType === 'opt-out';
      const fresh = await recordEngagement(db, {
        ...base,
        type: 'unsubscribe',
        dedupeKey: `unsubscribe:${message.id}`,
        machine: false,
        data: { source: optOut ? 'opt_out' : 'complaint', feedbackType, address: message.to_address },
        summary: optOut
          ? 'Opted out (list unsubscribe by email)'
          : `Marked as spam (complaint: ${feedbackType})`,
        exit: optOut ? 'unsubscribed' : 'do_not_email',
      });
      if (message.record_id) {
        await applyDoNotEmail(db, {
          orgId: message.org_id,
          recordId: message.record_id,
          sourceMessageId: message.id,
          exceptConnectionId: message.connection_id,
          now,
          reason: optOut ? 'unsubscribed' : 'complaint',
        });
      }
      await addSuppression(db, {
        orgId: message.org_id,
        address: message.to_address,
        reason: 'complaint',
        detail: `feedback: ${feedbackType}`,
        outboundMessageId: message.id,
        createdBy: null,
        now,
      });
      return { kind: 'complaint', duplicate: !fresh, feedbackType };
    }
    case 'auto_reply':
    case 'challenge': {
      const reason =
        classification.class === 'challenge'
          ? `challenge-response: ${classification.detail ?? ''}`
          : (classification.detail ?? 'automatic reply');
      const fresh = await recordEngagement(db, {
        ...base,
        type: 'auto_reply',
        dedupeKey: `auto_reply:${facts.inboundKey}`,
        machine: true,
        data: { from: facts.from, subject: facts.subject, snippet: facts.snippet, autoReplyReason: reason },
        summary: `Automatic reply (not counted as a reply): ${facts.subject ?? ''}`,
      });
      return { kind: 'auto_reply', duplicate: !fresh, reason };
    }
    case 'reply': {
      const fresh = await recordEngagement(db, {
        ...base,
        type: 'reply',
        dedupeKey: `reply:${facts.inboundKey}`,
        machine: false,
        data: {
          from: facts.from,
          subject: facts.subject,
          snippet: facts.snippet,
          inboundMessageId: facts.inboundKey,
        },
        summary: `Replied: ${facts.snippet || facts.subject || ''}`,
        results: ['replied'],
      });
      return { kind: 'reply', duplicate: !fresh };
    }
    case 'delivered':
      return { kind: 'ignored', reason: 'a delivery success report' };
    case 'other':
      return {
        kind: 'ignored',
        reason: `mail from a mail system that is neither a bounce nor a reply (${classification.via})`,
      };
    default: {
      const never: never = classification.class;
      return never;
    }
  }
}
