import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';

/** A TCP port free on loopback right now (for a server a test starts itself). */
export async function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => done(port));
    });
    server.on('error', reject);
  });
}
