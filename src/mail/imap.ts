import { isIP } from 'node:net';
import { ImapFlow } from 'imapflow';
import type { Clock } from '../engine/clock.ts';
import { type ResolvedAddress, resolveOutbound } from '../net/outbound-address.ts';
import type { Store } from '../store/db.ts';
import { listImapMailboxes, type MailboxRow, saveImapProgress } from '../store/repos/mailbox-repo.ts';
import { processInboundMime } from './inbound.ts';
import { decryptSecret } from './secrets.ts';
import { startPolling, type Worker } from './webhooks.ts';

/**
 * Optional reply intake by IMAP, per mailbox (`imap` settings of `POST /api/mailboxes`): new messages in INBOX
 * since the last seen UID go through the same path as `POST /api/inbound/mime`. The first poll only records
 * where the inbox ends, so old mail is not imported. Messages are read, never changed or deleted.
 */
export interface ImapDeps {
  store: Store;
  clock: Clock;
  /** `outboundAllowList`: IMAP hosts are typed by users, so private addresses are refused unless listed. */
  config: { secretKey: string; outboundAllowList: readonly string[] };
  logger?: { error(obj: object, msg?: string): void };
}

export async function pollImapMailbox(deps: ImapDeps, mailbox: MailboxRow): Promise<number> {
  if (!mailbox.imap_host) return 0;
  let address: string;
  try {
    // Resolve and check once, then connect to that address (SNI and certificate checks use the host name).
    [{ address }] = (await resolveOutbound(mailbox.imap_host, {
      allowList: deps.config.outboundAllowList,
    })) as [ResolvedAddress];
  } catch (error) {
    await saveImapProgress(
      deps.store.db,
      mailbox,
      mailbox.imap_last_uid,
      (error as Error).message.slice(0, 500),
    );
    deps.logger?.error({ err: error, mailboxId: mailbox.id }, 'IMAP host refused or not found');
    return 0;
  }
  const client = new ImapFlow({
    host: address,
    ...(isIP(mailbox.imap_host) ? {} : { servername: mailbox.imap_host }),
    port: mailbox.imap_port ?? (mailbox.imap_secure === 1 ? 993 : 143),
    secure: mailbox.imap_secure === 1,
    auth: {
      user: mailbox.imap_user ?? '',
      pass: mailbox.imap_secret_enc ? decryptSecret(deps.config.secretKey, mailbox.imap_secret_enc) : '',
    },
    logger: false,
  });
  let processed = 0;
  let lastUid = mailbox.imap_last_uid;
  try {
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    try {
      const uidNext = client.mailbox ? client.mailbox.uidNext : 1;
      if (lastUid === null) {
        lastUid = Math.max(uidNext - 1, 0);
      } else if (uidNext - 1 > lastUid) {
        const from = lastUid + 1;
        const sources: { uid: number; source: Buffer }[] = [];
        // Collect first: no other IMAP command may run inside the fetch loop.
        for await (const message of client.fetch(`${from}:*`, { uid: true, source: true }, { uid: true })) {
          if (message.uid >= from && message.source)
            sources.push({ uid: message.uid, source: message.source });
        }
        for (const { uid, source } of sources.sort((a, b) => a.uid - b.uid)) {
          // Only replies to emails sent from THIS mailbox count: a seller pointing IMAP at a server they control
          // cannot forge replies or bounces for anyone else's emails.
          await processInboundMime(deps, source, { orgId: mailbox.org_id, senderUserId: mailbox.user_id });
          lastUid = uid;
          processed++;
        }
      }
    } finally {
      lock.release();
    }
    await client.logout();
    await saveImapProgress(deps.store.db, mailbox, lastUid, null);
  } catch (error) {
    client.close();
    await saveImapProgress(deps.store.db, mailbox, lastUid, (error as Error).message.slice(0, 500));
    deps.logger?.error({ err: error, mailboxId: mailbox.id }, 'IMAP poll failed');
  }
  return processed;
}

/** Polls every mailbox with IMAP settings every `pollMs` (default one minute). */
export function startImapPoller(deps: ImapDeps & { pollMs?: number }): Worker {
  return startPolling(
    async () => {
      let total = 0;
      for (const mailbox of await listImapMailboxes(deps.store.db))
        total += await pollImapMailbox(deps, mailbox);
      return total;
    },
    deps.pollMs ?? 60_000,
    (error) => deps.logger?.error({ err: error }, 'IMAP poller failed'),
  );
}
