import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, killAll, spawnStepwise } from '../faults/harness.ts';

/**
 * The inbound SMTP listener in a real `stepwise serve` process: started by INBOUND_SMTP_PORT, refusing unknown
 * recipients, and gone with a clean exit (0) on SIGTERM even while a relay holds a connection open.
 */
const file = join(tmpdir(), `stepwise-inbound-smtp-${process.pid}.db`);
afterAll(() => {
  killAll();
  for (const suffix of ['', '-wal', '-shm', '.scheduler-lock', '.scheduler-lock.owner']) {
    rmSync(`${file}${suffix}`, { force: true });
  }
});

describe('inbound SMTP listener in a stepwise process', () => {
  it('listens when INBOUND_SMTP_PORT is set and stops cleanly on SIGTERM', async () => {
    const [port, smtpPort] = [await freePort(), await freePort()];
    const serve = spawnStepwise('serve', ['serve'], {
      DATABASE_URL: `sqlite:${file}`,
      PORT: String(port),
      INBOUND_SMTP_PORT: String(smtpPort),
      SHUTDOWN_TIMEOUT: '15',
    });
    await serve.waitFor('inbound SMTP listening', 60_000);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    await expect(
      transport.sendMail({ envelope: { from: '', to: ['nobody@nowhere.test'] }, raw: 'Subject: x\r\n\r\nx' }),
    ).rejects.toMatchObject({ responseCode: 550 });

    // A relay's idle connection must not keep the process from stopping.
    const idle = connect(smtpPort, '127.0.0.1');
    await new Promise<void>((resolve) => idle.once('data', () => resolve()));
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => serve.child.once('exit', (code) => resolve(code)));
    serve.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(12_000);
    idle.destroy();
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(smtpPort, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  }, 90_000);
});
