import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on loopback that keeps what it receives. */
export interface ReceivedMail {
  raw: Buffer;
  from: string;
  to: string[];
  user: string | undefined;
}

export interface LoopbackSmtp {
  port: number;
  received: ReceivedMail[];
  /** Replies to the next DATA with this SMTP code and text (e.g. 451 or 550), once per entry. */
  rejectNext(code: number, text: string): void;
  /** Messages whose DATA arrived but were rejected or dropped (what the relay saw of failed attempts). */
  attempted: Buffer[];
  /** The next DATA is read in full, then the connection is cut without an answer (a relay dying after DATA). */
  dropNext(): void;
  /** Every AUTH the server answered, in order (`ok` false: refused with 535). */
  signIns: { user: string; ok: boolean }[];
  close(): Promise<void>;
}

/** A loopback relay; `latencyMs` delays every answer to DATA (a slow but healthy relay). */
export async function startSmtp(options: { latencyMs?: number } = {}): Promise<LoopbackSmtp> {
  const received: ReceivedMail[] = [];
  const rejections: { code: number; text: string }[] = [];
  const attempted: Buffer[] = [];
  let drops = 0;
  const signIns: { user: string; ok: boolean }[] = [];
  const server: SMTPServer = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = auth.username === 'sam' && auth.password === 'smtp-pass';
      signIns.push({ user: String(auth.username), ok });
      if (ok) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
        if (drops > 0) {
          drops--;
          attempted.push(Buffer.concat(chunks));
          const connections = (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> })
            .connections;
          for (const connection of connections) connection._socket.destroy();
          return;
        }
        const rejection = rejections.shift();
        if (rejection) {
          attempted.push(Buffer.concat(chunks));
          const error = new Error(rejection.text) as Error & { responseCode: number };
          error.responseCode = rejection.code;
          callback(error);
          return;
        }
        received.push({
          raw: Buffer.concat(chunks),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    rejectNext: (code, text) => rejections.push({ code, text }),
    attempted,
    dropNext: () => {
      drops++;
    },
    signIns,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
