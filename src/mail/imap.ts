import { isIP } from 'node:net';
import { ImapFlow } from 'imapflow';
import { assertNever } from '../domain/sequence/graph.ts';
import type { Clock } from '../engine/clock.ts';
import { type ResolvedAddress, resolveOutbound } from '../net/outbound-address.ts';
import type { Store } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import {
  claimImapLease,
  type ImapSyncRow,
  releaseImapLease,
  saveImapSync,
} from '../store/repos/imap-sync-repo.ts';
import {
  findMailbox,
  listImapMailboxes,
  type MailboxRow,
  saveImapProgress,
} from '../store/repos/mailbox-repo.ts';
import { processInboundMime } from './inbound.ts';
import { mailboxAccess } from './oauth/mailbox-token.ts';
import { decryptSecret } from './secrets.ts';
import { startPolling, type Worker } from './webhooks.ts';

/**
 * Optional reply intake by IMAP, per mailbox (`imap` settings of `POST /api/mailboxes`): new messages in INBOX
 * since the last seen UID go through the same path as `POST /api/inbound/mime`. The first poll only records
 * where the inbox ends, so old mail is not imported. Messages are read, never changed or deleted.
 *
 * - Only one worker polls a mailbox at a time: a lease in `imap_sync` (taken by one conditional UPDATE), so
 *   any number of `stepwise worker` processes can run the poller.
 * - The cursor belongs to INBOX's UIDVALIDITY. When the server changes it (mailbox rebuilt, migrated), UIDs
 *   mean nothing any more: the poller re-reads what arrived since the day before its last successful poll
 *   (IMAP `SEARCH SINCE` has day granularity) and starts a new cursor. Replies are deduplicated by
 *   Message-ID, so nothing is imported twice and nothing that arrived meanwhile is lost.
 */
export interface ImapDeps {
  store: Store;
  clock: Clock;
  /** `outboundAllowList`: IMAP hosts are typed by users, so private addresses are refused unless listed. */
  config: { secretKey: string; outboundAllowList: readonly string[] };
  logger?: { error(obj: object, msg?: string): void };
  /** Written into the lease; unique per worker process. */
  workerId?: string;
  /** How long a poll may hold the mailbox (default 5 minutes); a crashed worker's lease expires. */
  leaseMs?: number;
  /** Messages larger than this are not read (default IMAP_MAX_MESSAGE_BYTES). */
  maxMessageBytes?: number;
}

const DAY_MS = 86_400_000;
/**
 * A message over this many bytes (the limit of `POST /api/inbound/mime`) is not read in full: only its first
 * OVERSIZED_HEAD_BYTES, which hold everything intake looks at (headers, the reply's text, a report; intake reads no
 * further anyway), so a reply with a large attachment still counts.
 */
export const IMAP_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
const OVERSIZED_HEAD_BYTES = 2 * 1024 * 1024;
/** At most this many messages are read per batch (and at most the byte limit, unless one message alone). */
const BATCH_MESSAGES = 100;

/**
 * The messages to read, in UID order, cut into batches of at most BATCH_MESSAGES and `maxBytes` bytes; a message
 * over `maxBytes` (read for its headers only) is a batch of its own. Pure.
 */
export function fetchBatches(
  listed: readonly { uid: number; size: number }[],
  maxBytes: number,
): { uid: number; size: number }[][] {
  const batches: { uid: number; size: number }[][] = [];
  let current: { uid: number; size: number }[] = [];
  let bytes = 0;
  for (const item of [...listed].sort((a, b) => a.uid - b.uid)) {
    if (item.size > maxBytes) {
      if (current.length > 0) batches.push(current);
      batches.push([item]);
      current = [];
      bytes = 0;
      continue;
    }
    if (current.length > 0 && (current.length >= BATCH_MESSAGES || bytes + item.size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** What to read, given the saved cursor and what the server says now. Pure. */
export type ImapFetchPlan =
  | { kind: 'start' }
  | { kind: 'nothing' }
  | { kind: 'after_uid'; from: number }
  | { kind: 'rescan'; since: Date };

export function imapFetchPlan(input: {
  lastUid: number | null;
  savedValidity: string | null;
  validity: string;
  uidNext: number;
  syncedAt: number | null;
  now: number;
}): ImapFetchPlan {
  if (input.lastUid === null) return { kind: 'start' };
  if (input.savedValidity !== null && input.savedValidity !== input.validity) {
    return { kind: 'rescan', since: new Date((input.syncedAt ?? input.now) - DAY_MS) };
  }
  return input.uidNext - 1 > input.lastUid
    ? { kind: 'after_uid', from: input.lastUid + 1 }
    : { kind: 'nothing' };
}

/**
 * Polls one mailbox if this worker gets its lease; returns how many messages went through intake (0 when
 * another worker is polling it).
 */
export async function pollImapMailbox(deps: ImapDeps, mailbox: MailboxRow): Promise<number> {
  if (!mailbox.imap_host) return 0;
  const owner = deps.workerId ?? defaultWorkerId;
  const key = { orgId: mailbox.org_id, mailboxId: mailbox.id, owner };
  const sync = await claimImapLease(deps.store.db, {
    ...key,
    now: deps.clock.now(),
    leaseMs: deps.leaseMs ?? 300_000,
  });
  if (!sync) return 0;
  try {
    // Re-read the cursor under the lease: another worker may have moved it since the caller listed mailboxes.
    const current = (await findMailbox(deps.store.db, mailbox.org_id, mailbox.id)) ?? mailbox;
    return await pollLeased(deps, current, sync);
  } finally {
    await releaseImapLease(deps.store.db, key);
  }
}

async function pollLeased(deps: ImapDeps, mailbox: MailboxRow, sync: ImapSyncRow): Promise<number> {
  const host = mailbox.imap_host;
  if (!host) return 0;
  let address: string;
  try {
    // Resolve and check once, then connect to that address (SNI and certificate checks use the host name).
    [{ address }] = (await resolveOutbound(host, {
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
  // An XOAUTH2 mailbox (issue 19) logs in with a fresh access token; one that needs reconnecting is not polled.
  const access = await mailboxAccess(deps.store.db, deps.config, mailbox, deps.clock.now());
  if (access.kind === 'reconnect' || access.kind === 'unavailable') {
    await saveImapProgress(deps.store.db, mailbox, mailbox.imap_last_uid, access.reason.slice(0, 500));
    return 0;
  }
  const maxBytes = deps.maxMessageBytes ?? IMAP_MAX_MESSAGE_BYTES;
  const client = new ImapFlow({
    host: address,
    ...(isIP(host) ? {} : { servername: host }),
    port: mailbox.imap_port ?? (mailbox.imap_secure === 1 ? 993 : 143),
    secure: mailbox.imap_secure === 1,
    auth:
      access.kind === 'ready'
        ? { user: mailbox.imap_user ?? '', accessToken: access.accessToken }
        : {
            user: mailbox.imap_user ?? '',
            pass: mailbox.imap_secret_enc
              ? decryptSecret(deps.config.secretKey, mailbox.imap_secret_enc)
              : '',
          },
    logger: false,
    // What the server may send at once, whatever sizes it announces (imapflow's defaults are 1 and 2 GB).
    maxLineLength: 2 * maxBytes,
    maxLiteralSize: 2 * maxBytes,
    maxResponseSize: 2 * maxBytes + 1_048_576,
  });
  let processed = 0;
  let lastUid = mailbox.imap_last_uid;
  try {
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    let validity = '';
    try {
      const box = client.mailbox ? client.mailbox : null;
      const uidNext = box ? box.uidNext : 1;
      validity = box ? String(box.uidValidity) : '';
      const plan = imapFetchPlan({
        lastUid,
        savedValidity: sync.uid_validity,
        validity,
        uidNext,
        syncedAt: sync.synced_at,
        now: deps.clock.now(),
      });
      let range: string | number[] | null = null;
      switch (plan.kind) {
        case 'start':
          lastUid = Math.max(uidNext - 1, 0);
          break;
        case 'nothing':
          break;
        case 'after_uid':
          range = `${plan.from}:*`;
          break;
        case 'rescan': {
          const found = await client.search({ since: plan.since }, { uid: true });
          range = Array.isArray(found) ? found : [];
          lastUid = Math.max(uidNext - 1, 0);
          break;
        }
        default:
          assertNever(plan);
      }
      if (range !== null && (typeof range === 'string' || range.length > 0)) {
        const from = plan.kind === 'after_uid' ? plan.from : 0;
        // Sizes first, then the messages in batches of bounded bytes, each taken in before the next is read: a
        // full inbox (or a server a seller controls) cannot make the worker hold everything at once. A message
        // over the limit is not read at all. Collect each fetch first: no other IMAP command may run inside it.
        const listed: { uid: number; size: number }[] = [];
        for await (const message of client.fetch(range, { uid: true, size: true }, { uid: true })) {
          if (message.uid >= from) listed.push({ uid: message.uid, size: message.size ?? 0 });
        }
        const scope = { orgId: mailbox.org_id, senderUserId: mailbox.user_id };
        for (const batch of fetchBatches(listed, maxBytes)) {
          const sources = new Map<number, Buffer>();
          const wanted = batch.map((item) => item.uid);
          const head = { start: 0, maxLength: Math.min(OVERSIZED_HEAD_BYTES, maxBytes) };
          const query = { uid: true, source: batch[0]!.size > maxBytes ? head : true };
          for await (const message of client.fetch(wanted, query, { uid: true })) {
            if (message.source) sources.set(message.uid, message.source);
          }
          for (const { uid, size } of batch) {
            const bytes = sources.get(uid);
            // Only replies to emails sent from THIS mailbox count: a seller pointing IMAP at a server they
            // control cannot forge replies or bounces for anyone else's emails. Nobody to refuse a message too
            // large to read to: it is kept as junk, and the poll goes on past it.
            if (bytes) {
              await processInboundMime(deps, bytes, scope, {
                via: 'imap',
                keepTooLarge: true,
                ...(size > bytes.length ? { sizeBytes: size } : {}),
              });
            }
            if (plan.kind === 'after_uid') lastUid = uid;
            processed++;
          }
        }
      }
    } finally {
      lock.release();
    }
    await client.logout();
    await saveImapProgress(deps.store.db, mailbox, lastUid, null);
    await saveImapSync(deps.store.db, {
      orgId: mailbox.org_id,
      mailboxId: mailbox.id,
      uidValidity: validity,
      syncedAt: deps.clock.now(),
    });
  } catch (error) {
    client.close();
    await saveImapProgress(deps.store.db, mailbox, lastUid, (error as Error).message.slice(0, 500));
    deps.logger?.error({ err: error, mailboxId: mailbox.id }, 'IMAP poll failed');
  }
  return processed;
}

const defaultWorkerId = `imap-${newId()}`;

/** Polls every mailbox with IMAP settings every `pollMs` (default one minute); leased mailboxes are skipped. */
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
