import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../config.ts';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/db.ts';
import { findUserByEmail } from '../store/repos/identity-repo.ts';
import { findInboundOwners, findOutboundOrg } from '../store/repos/inbound-recipient-repo.ts';
import { type InboundScope, processInboundMime } from './inbound.ts';
import { verpMessageId } from './verp.ts';

/**
 * The third way in (beside `POST /api/inbound/mime` and the IMAP poller): an SMTP listener a relay or MX hands
 * bounces and replies to. Started by `stepwise serve`/`worker` when INBOUND_SMTP_PORT is set.
 *  - RCPT TO decides the organisation: a correctly signed VERP address (`bounces+TOKEN@BOUNCE_DOMAIN`) scopes to
 *    the organisation of the email it names; a seller's own address (a user's email or a mailbox From) scopes to
 *    that seller in their organisation. Anything else — including a forged or altered VERP token — gets 550.
 *  - The message then goes through the same intake as the other paths (classification, matching within that
 *    scope, effects applied once), so a relay retrying after a 451 acts once. As the final delivery, the listener
 *    puts the envelope sender on top as `Return-Path:` first, as a mailbox read over IMAP would show it.
 *  - Messages over INBOUND_SMTP_MAX_BYTES get 552; unreadable junk is accepted and kept as `unreadable`; a
 *    storage failure answers 451 so the relay retries later. No TLS and no AUTH: listen on loopback or a private
 *    network behind your relay (docs/email.md).
 */

export interface InboundSmtpDeps {
  store: Store;
  clock: Clock;
  config: Pick<Config, 'secretKey' | 'inboundSmtp'>;
  logger: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export interface InboundSmtpListener {
  port: number;
  stop(): Promise<void>;
}

const MAX_RECIPIENTS = 50;

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** The scopes this recipient address may deliver into; empty when nobody here receives for it. */
async function scopesFor(deps: InboundSmtpDeps, address: string): Promise<InboundScope[] | 'forged'> {
  if (/\+[0-9a-f]{32}-[0-9a-f]{16}@/i.test(address)) {
    const id = verpMessageId(deps.config.secretKey, address);
    const orgId = id ? await findOutboundOrg(deps.store.db, id) : undefined;
    return orgId ? [{ orgId }] : 'forged';
  }
  const owners = await findInboundOwners(deps.store.db, address);
  // One address delivers into one organisation. Mailboxes cannot name an address another organisation receives at
  // (409 from_address_taken); one claimed in two anyway (saved before that rule) goes to neither, never to both.
  const orgs = new Set(owners.map((owner) => owner.orgId));
  if (orgs.size > 1) {
    deps.logger.warn(
      { address, organisations: orgs.size },
      'inbound SMTP: address claimed by more than one organisation, refused; keep it in one (docs/mailboxes.md)',
    );
    return [];
  }
  // A sign-in address belongs to its user (and their organisation's relay) only: a mailbox From is typed by its
  // owner, and naming someone else's address there — another organisation's admin could — must not bring in their
  // mail (kept in that organisation's inbound log, source and all).
  const user = await findUserByEmail(deps.store.db, address);
  const rightful = user
    ? owners.filter(
        (owner) => owner.orgId === user.org_id && (owner.userId === user.id || owner.userId === null),
      )
    : owners;
  return rightful.map((owner) => ({ orgId: owner.orgId, senderUserId: owner.userId }));
}

function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

export async function startInboundSmtp(deps: InboundSmtpDeps): Promise<InboundSmtpListener> {
  const { port, host, maxBytes } = deps.config.inboundSmtp;
  const scopes = new Map<string, InboundScope[]>();
  const keyOf = (scope: InboundScope) => `${scope.orgId}/${scope.senderUserId ?? ''}`;
  const inFlight = new Set<Promise<unknown>>();
  const server = new SMTPServer({
    name: 'stepwise-inbound',
    banner: 'Stepwise inbound mail',
    size: maxBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    maxClients: 100,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onConnect(session, callback) {
      scopes.set(session.id, []);
      callback();
    },
    onClose(session) {
      scopes.delete(session.id);
    },
    onMailFrom(_address, session, callback) {
      scopes.set(session.id, []);
      callback();
    },
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) {
        callback(smtpError(452, '4.5.3 Too many recipients'));
        return;
      }
      scopesFor(deps, address.address)
        .then((found) => {
          if (found === 'forged' || found.length === 0) {
            callback(smtpError(550, '5.1.1 No such recipient here'));
            return;
          }
          const list = scopes.get(session.id) ?? [];
          for (const scope of found) if (!list.some((s) => keyOf(s) === keyOf(scope))) list.push(scope);
          scopes.set(session.id, list);
          callback();
        })
        .catch((error: unknown) => {
          deps.logger.warn({ err: error }, 'inbound SMTP: recipient lookup failed');
          callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
        });
    },
    onData(stream, session, callback) {
      const work = readAll(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) {
            callback(smtpError(552, `5.3.4 Message larger than ${maxBytes} bytes`));
            return;
          }
          await deliver(session, raw);
          callback();
        })
        .catch((error: unknown) => {
          if ((error as { code?: unknown } | null)?.code === 'EMAXLEN') {
            callback(smtpError(552, '5.3.4 Message too large to read'));
            return;
          }
          deps.logger.warn({ err: error }, 'inbound SMTP: intake failed');
          callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
        });
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
  });

  async function deliver(session: SMTPServerSession, raw: Buffer): Promise<void> {
    const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
    // This is the final delivery: like every delivery agent (RFC 5321 §4.4), record the envelope sender on top.
    // The null return path `<>` is how bounces and autoresponders (RFC 3834) are sent; IMAP intake sees it there.
    const mailFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
    const returnPath = Buffer.from(`Return-Path: <${mailFrom.replace(/[\r\n<>]/g, '')}>\r\n`);
    const delivered = Buffer.concat([returnPath, raw]);
    for (const scope of scopes.get(session.id) ?? []) {
      const outcome = await processInboundMime(deps, delivered, scope, { via: 'smtp', envelopeTo });
      deps.logger.info({ orgId: scope.orgId, outcome: outcome.kind }, 'inbound SMTP message');
    }
  }

  server.on('error', (error) => deps.logger.warn({ err: error }, 'inbound SMTP: connection error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    async stop() {
      // No new connections; messages being taken in finish (their effects are one transaction each).
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
    },
  };
}
