import { connect, type Socket } from 'node:net';
import { type OutboundPolicy, pinnedLookup, type Resolver, resolveOutbound } from './outbound-address.ts';

/**
 * A TCP connection to a user-given host through the outbound guard (resolve, check, connect to the checked
 * address). Mailbox SMTP uses it as nodemailer's `getSocket`; TLS (SMTPS or STARTTLS) then runs over this
 * socket with the original host name for SNI and certificate checks.
 */
export async function connectOutbound(
  host: string,
  port: number,
  policy: OutboundPolicy,
  timeoutMs: number,
  resolver?: Resolver,
): Promise<Socket> {
  const addresses = await resolveOutbound(host, policy, resolver);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: host.replace(/^\[|\]$/g, ''),
      port,
      lookup: pinnedLookup(addresses),
      autoSelectFamily: addresses.length > 1,
    });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.removeListener('error', fail);
      socket.setTimeout(0);
      resolve(socket);
    });
  });
}

/** nodemailer's `getSocket` option: every SMTP connection goes through `connectOutbound`. */
export function guardedSmtpSocket(policy: OutboundPolicy, timeoutMs: number) {
  return (
    options: { host?: string | undefined; port?: number | string | undefined },
    callback: (error: Error | null, socketOptions?: { connection: Socket } | false) => void,
  ): void => {
    connectOutbound(options.host ?? '', Number(options.port ?? 587), policy, timeoutMs).then(
      (connection) => callback(null, { connection }),
      (error: Error) => callback(error),
    );
  };
}
