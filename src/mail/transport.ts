import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { OutboundAddressRefused, type OutboundPolicy } from '../net/outbound-address.ts';
import { guardedSmtpSocket } from '../net/outbound-socket.ts';
import type { MailboxRow } from '../store/repos/mailbox-repo.ts';
import { decryptSecret } from './secrets.ts';

/**
 * Where a message goes: the sender's own SMTP mailbox, the org relay (a mailbox without user, or SMTP_URL from
 * the configuration) with the seller's own From, or — with none of those — the built-in catch-all outbox: the
 * message is "delivered" into the database and shown by `GET /api/outbox`, so a fresh install works without SMTP.
 */
export type Route = { kind: 'catch_all' } | { kind: 'smtp'; key: string; options: SmtpOptions };

export interface SmtpOptions {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  pass: string | null;
  /**
   * Mailbox servers are typed by users, so they go through the outbound guard (no private or loopback
   * addresses unless allow-listed); the operator's SMTP_URL does not (null).
   */
  outbound: OutboundPolicy | null;
  /** An XOAUTH2 mailbox (issue 19): the bearer token sent instead of a password. */
  accessToken?: string;
}

/** nodemailer's auth: XOAUTH2 with the access token, else user/password, else none. */
function authOf(options: SmtpOptions) {
  if (options.user && options.accessToken)
    return { auth: { type: 'OAuth2' as const, user: options.user, accessToken: options.accessToken } };
  return options.user ? { auth: { user: options.user, pass: options.pass ?? '' } } : {};
}

export function routeFor(
  mailbox: MailboxRow | undefined,
  smtpUrl: string | undefined,
  secretKey: string,
  outboundAllowList: readonly string[],
): Route {
  if (mailbox?.kind === 'smtp' && mailbox.smtp_host) {
    const options: SmtpOptions = {
      host: mailbox.smtp_host,
      port: mailbox.smtp_port ?? (mailbox.smtp_secure ? 465 : 587),
      secure: mailbox.smtp_secure === 1,
      user: mailbox.smtp_user,
      pass: mailbox.smtp_secret_enc ? decryptSecret(secretKey, mailbox.smtp_secret_enc) : null,
      outbound: { allowList: outboundAllowList },
    };
    return { kind: 'smtp', key: `mailbox:${mailbox.org_id}:${mailbox.id}:${mailbox.updated_at}`, options };
  }
  if (mailbox?.kind === 'catch_all') return { kind: 'catch_all' };
  if (smtpUrl) {
    const url = new URL(smtpUrl);
    const secure = url.protocol === 'smtps:';
    return {
      kind: 'smtp',
      key: `config:${smtpUrl}`,
      options: {
        host: url.hostname,
        port: url.port ? Number(url.port) : secure ? 465 : 587,
        secure,
        user: url.username ? decodeURIComponent(url.username) : null,
        pass: url.password ? decodeURIComponent(url.password) : null,
        outbound: null,
      },
    };
  }
  return { kind: 'catch_all' };
}

export type TransportFactory = (options: SmtpOptions) => Transporter;

export const smtpTransportFactory: TransportFactory = (options) =>
  nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    ...authOf(options),
    // Pooled: SMTP connections stay open and are reused (a connection per message costs ~100 ms each).
    pool: true,
    maxConnections: 8,
    maxMessages: 1000,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
    ...(options.outbound ? { getSocket: guardedSmtpSocket(options.outbound, 20_000) } : {}),
  });

/** A one-off connection where every phase gives up after `timeoutMs` (the mailbox test). */
export const oneShotTransportFactory =
  (timeoutMs: number): TransportFactory =>
  (options) =>
    nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      ...authOf(options),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      ...(options.outbound ? { getSocket: guardedSmtpSocket(options.outbound, timeoutMs) } : {}),
    });

function oauthFamily(key: string): string | null {
  const at = key.indexOf(':oauth:');
  return at < 0 ? null : key.slice(0, at);
}

/** One transporter per mailbox configuration, reused across sends; closed when the worker stops. */
export class TransportPool {
  private readonly transports = new Map<string, Transporter>();
  constructor(private readonly factory: TransportFactory = smtpTransportFactory) {}
  get(route: Extract<Route, { kind: 'smtp' }>): Transporter {
    let transport = this.transports.get(route.key);
    if (!transport) {
      // An XOAUTH2 mailbox's key changes with its access token: the connections of the old token are closed.
      const family = oauthFamily(route.key);
      for (const [key, old] of this.transports) {
        if (family && oauthFamily(key) === family) {
          old.close();
          this.transports.delete(key);
        }
      }
      transport = this.factory(route.options);
      this.transports.set(route.key, transport);
    }
    return transport;
  }
  close(): void {
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
  }
}

export interface SendFailure {
  permanent: boolean;
  reason: string;
}

/** No SMTP reply at all (a timeout, a refused, cut or failed TLS connection): the server, not this email. */
export function isServerUnreachable(error: unknown): boolean {
  return typeof (error as { responseCode?: unknown }).responseCode !== 'number';
}

/** 5xx replies are permanent (the server said no); 4xx replies, timeouts and refused connections are temporary. */
export function classifySmtpError(error: unknown): SendFailure {
  const e = error as { responseCode?: number; response?: string; code?: string; message?: string };
  const said = e.response ?? e.message ?? String(error);
  // nodemailer says only "Timeout" or "Greeting never received": the seller is told what it means.
  const reason = (e.code === 'ETIMEDOUT' ? `The SMTP server did not answer in time (${said})` : said).slice(
    0,
    1000,
  );
  if (error instanceof OutboundAddressRefused) return { permanent: true, reason };
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.code !== 'EAUTH';
  return { permanent, reason };
}

/** The raw RFC 5322 message nodemailer would send (for the outbox's `.eml` download and the catch-all). */
export async function buildRawMessage(options: Mail.Options): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'crlf' });
  const info = await transport.sendMail(options);
  return info.message as Buffer;
}
