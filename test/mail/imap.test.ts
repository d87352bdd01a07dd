import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/engine/clock.ts';
import { pollImapMailbox } from '../../src/mail/imap.ts';
import { findMailbox, insertMailbox } from '../../src/store/repos/mailbox-repo.ts';
import { dialects, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';
import { imapMailboxFields, SECRET_KEY } from './mail-fixtures.ts';

describe.each(dialects)('IMAP poller on %s', (dialect) => {
  it('records why a poll failed on the mailbox (shown by GET /api/mailboxes) and keeps its position', async () => {
    const store = await freshStore(dialect);
    const clock = new FakeClock();
    // A server that answers with something that is not IMAP, then hangs up.
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      await seedWorld(store, clock.now());
      const mailbox = await insertMailbox(
        store.db,
        ORG_ID,
        imapMailboxFields({
          host: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          user: 'sam',
          password: 'imap-pass',
          lastUid: 41,
        }),
        clock.now(),
      );
      // The test server is on loopback: allowed as an operator would (OUTBOUND_ALLOW_HOSTS).
      const allowed = { secretKey: SECRET_KEY, outboundAllowList: ['127.0.0.1'] };
      const processed = await pollImapMailbox({ store, clock, config: allowed }, mailbox);
      expect(processed).toBe(0);
      expect(connections).toBe(1);
      const after = await findMailbox(store.db, ORG_ID, mailbox.id);
      expect(after?.imap_last_error).toBeTruthy();
      expect(after?.imap_last_uid).toBe(41);

      // Without the allow list, a seller's IMAP host on loopback is never connected to (SSRF guard).
      const refused = { secretKey: SECRET_KEY, outboundAllowList: [] };
      expect(await pollImapMailbox({ store, clock, config: refused }, mailbox)).toBe(0);
      expect(connections).toBe(1);
      const again = await findMailbox(store.db, ORG_ID, mailbox.id);
      expect(again?.imap_last_error).toMatch(/not reachable from Stepwise: it points to a loopback address/);
      expect(again?.imap_last_uid).toBe(41);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    }
  });
});
