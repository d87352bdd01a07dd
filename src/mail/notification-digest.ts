import type { Config } from '../config.ts';
import { digestEmail } from '../domain/notifications/digest-email.ts';
import { currentDigestPeriod } from '../domain/notifications/index.ts';
import { parseOrgSettings } from '../domain/org-settings.ts';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { writeTransaction } from '../store/repos/engine/write-transaction.ts';
import { queueFinalEmail } from '../store/repos/final-email-repo.ts';
import {
  digestExists,
  recordDigest,
  undigestedNotifications,
} from '../store/repos/notification-digests-repo.ts';
import { type DigestSubscriber, digestSubscribers } from '../store/repos/notification-settings-repo.ts';
import { messageIdFor } from './prepare-message.ts';

/** At most this many notifications in one digest email; the rest go in the next period's. */
const MAX_ITEMS = 200;
const PAGE = 200;

export interface DigestDeps {
  store: Store;
  clock: Clock;
  config: Pick<Config, 'publicUrl'>;
}

/**
 * The email digest: for every user with digests on, once per period (hourly, or daily at their local hour),
 * one email with their not-yet-mailed notifications of the chosen kinds. The digest row (unique per user and
 * period), the notifications' `digest_id` and the outbox email are written in one transaction, so several
 * workers and restarts queue it once; the mail worker then sends it over SMTP like any other email (the user's
 * own mailbox or the organisation's relay, as "send me a test" does). Returns how many digests were queued.
 */
export async function sendDueDigests(deps: DigestDeps): Promise<number> {
  let queued = 0;
  let after: { orgId: string; userId: string } | null = null;
  for (;;) {
    const page = await digestSubscribers(deps.store.db, after, PAGE);
    for (const user of page) if (await digestFor(deps, user)) queued++;
    if (page.length < PAGE) return queued;
    const last = page[page.length - 1];
    if (!last) return queued;
    after = { orgId: last.orgId, userId: last.userId };
  }
}

async function digestFor(deps: DigestDeps, user: DigestSubscriber): Promise<boolean> {
  const now = deps.clock.now();
  // A user without a zone of their own lives on the organisation's clock (as their work list and the app do).
  const zone = user.timeZone ?? parseOrgSettings(user.orgSettingsJson).timeZone;
  const period = currentDigestPeriod(user, now, zone);
  if (!period || user.kinds.length === 0 || user.enabledAt === null) return false;
  const db = deps.store.db;
  if (await digestExists(db, user.orgId, user.userId, period.key)) return false;
  const items = await undigestedNotifications(db, {
    orgId: user.orgId,
    userId: user.userId,
    kinds: user.kinds,
    since: user.enabledAt,
    before: period.start,
    limit: MAX_ITEMS,
  });
  if (items.length === 0) return false;
  const email = digestEmail({
    locale: user.locale,
    publicUrl: deps.config.publicUrl,
    items: items.map((item) => ({ kind: item.kind, recordId: item.record_id, summary: item.summary })),
  });
  const outboundId = newId(now);
  return writeTransaction(deps.store, async (trx) => {
    const fresh = await recordDigest(trx, {
      orgId: user.orgId,
      id: newId(now),
      userId: user.userId,
      periodKey: period.key,
      outboundMessageId: outboundId,
      notificationIds: items.map((item) => item.id),
      now,
    });
    if (!fresh) return false;
    await queueFinalEmail(trx, {
      orgId: user.orgId,
      id: outboundId,
      recordId: null,
      senderId: user.userId,
      to: user.email,
      subject: email.subject,
      html: email.html,
      messageId: messageIdFor({ id: outboundId, message_id: '' }, deps.config.publicUrl),
      now,
      idempotencyKey: `digest:${user.userId}:${period.key}`,
    });
    return true;
  });
}
