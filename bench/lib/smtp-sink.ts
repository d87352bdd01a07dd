import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  url: string;
  received(): number;
  duplicates(): number;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that counts messages by Message-ID (and any received twice). */
export async function startSmtpSink(): Promise<SmtpSink> {
  const seen = new Set<string>();
  let duplicates = 0;
  let total = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const text = Buffer.concat(chunks).toString('latin1');
        const headerEnd = text.indexOf('\r\n\r\n');
        const id =
          (headerEnd > 0 ? text.slice(0, headerEnd) : text).match(/^message-id:\s*(\S+)/im)?.[1] ?? '';
        total++;
        if (seen.has(id)) duplicates++;
        seen.add(id);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => total,
    duplicates: () => duplicates,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
