import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { openStore } from '../../src/store/db.ts';

/**
 * DATABASE_SSL_CA_FILE makes every PostgreSQL connection ask for TLS before it sends anything, the password
 * above all. The engine's LISTEN connection (its own client beside the pool) did not: it sent its start-up
 * message — user and database names — in the clear, and would have answered a password request in the clear.
 * A loopback server stands in for PostgreSQL and records how each connection opens: an SSLRequest (TLS first)
 * or a StartupMessage (plaintext). It offers no TLS, so every TLS connection stops right there.
 */
const SSL_REQUEST = 80877103;
const PROTOCOL_3 = 196608;

interface Opening {
  kind: 'tls' | 'plaintext' | 'other';
  text: string;
}

function fakePostgres(): Promise<{
  server: Server;
  port: number;
  openings: Opening[];
  sockets: Set<Socket>;
}> {
  const openings: Opening[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', (data: Buffer) => {
      const code = data.length >= 8 ? data.readInt32BE(4) : 0;
      if (code === SSL_REQUEST) {
        openings.push({ kind: 'tls', text: '' });
        socket.end('N'); // no TLS here
      } else {
        openings.push({ kind: code === PROTOCOL_3 ? 'plaintext' : 'other', text: data.toString('latin1') });
        socket.destroy();
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0, openings, sockets });
    }),
  );
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('DATABASE_SSL_CA_FILE and the engine LISTEN connection', () => {
  it('asks for TLS on the LISTEN connection as on the pool, and sends nothing in the clear', async () => {
    const fake = await fakePostgres();
    const url = `postgres://engine_role:pw@127.0.0.1:${fake.port}/crm_${randomUUID().slice(0, 8)}`;
    // Any PEM will do: the server offers no TLS, so the connection fails before the CA is used.
    const store = openStore(url, {
      sslCa: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      onConnectionError: () => undefined,
    });
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (obj: object, msg?: string) => warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
      error() {},
    };
    const worker = startEngineWorker(
      {
        store,
        clock: new FakeClock(),
        logger,
        config: testConfig({ databaseUrl: url }),
        workerId: 'listen-tls',
      },
      { loop: true, sweepEveryMs: 3_600_000 },
    );
    stop = async () => {
      await worker.stop();
      await store.close();
      for (const socket of fake.sockets) socket.destroy();
      await new Promise((resolve) => fake.server.close(resolve));
    };
    // The worker tries to LISTEN before its first batch; wait until it has given up on it.
    await expect
      .poll(() => warnings.some((w) => w.includes('engine could not LISTEN')), {
        timeout: 60_000,
        interval: 50,
      })
      .toBe(true);
    expect(warnings.find((w) => w.includes('engine could not LISTEN'))).toContain('does not support SSL');
    expect(fake.openings.length).toBeGreaterThan(0);
    expect(fake.openings.filter((o) => o.kind !== 'tls')).toEqual([]);
  }, 90_000);
});
