import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { freePort } from './free-port.ts';

/**
 * A real IMAP server for tests: Debian's dovecot-imapd (installed by .ci/run), started on loopback with a
 * minimal config under /tmp (passwd-file auth, plaintext allowed on loopback, Maildir). The master runs as root;
 * login and mail processes drop to dovecot's own users and `nobody`.
 */
export const IMAP_USER = 'sam';
export const IMAP_PASSWORD = 'imap-pass';

const bin = (name: string) => (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name);
const run = promisify(execFile);

export interface Dovecot {
  host: string;
  port: number;
  /** Maildir of the test user (INBOX). */
  maildir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server for good and removes its files. */
  close(): Promise<void>;
  /** Sets INBOX's UIDVALIDITY (as a rebuilt or migrated mailbox would get). */
  setUidValidity(value: number): Promise<void>;
  /** Forgets every UID (as if the mailbox were rebuilt): the server renumbers the messages from 1. */
  forgetUids(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}); see ${log}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`dovecot did not listen on ${port}; see ${log}`);
}

/**
 * `oauth2`: also accept XOAUTH2/OAUTHBEARER, each token checked by introspection at `introspectionUrl` (with the
 * client's credentials in the URL), its `sub` being the IMAP user; `extraUser` also gets the test password (so
 * a test can append to that user's INBOX with a plain login).
 */
export interface DovecotOptions {
  oauth2?: { introspectionUrl: string; extraUser: string };
}

export async function startDovecot(options: DovecotOptions = {}): Promise<Dovecot> {
  const dir = await mkdtemp(join(tmpdir(), 'stepwise-dovecot-'));
  await chmod(dir, 0o755);
  for (const sub of ['run', 'state', 'mail', 'home']) await mkdir(join(dir, sub), { recursive: true });
  await chown(join(dir, 'mail'), 65534, 65534);
  await chown(join(dir, 'home'), 65534, 65534);
  const port = await freePort();
  const log = join(dir, 'dovecot.log');
  const users = [IMAP_USER, ...(options.oauth2 ? [options.oauth2.extraUser] : [])];
  await writeFile(
    join(dir, 'passwd'),
    users.map((user) => `${user}:{PLAIN}${IMAP_PASSWORD}::::::\n`).join(''),
  );
  if (options.oauth2) {
    await writeFile(
      join(dir, 'oauth2.conf'),
      `introspection_mode = post
introspection_url = ${options.oauth2.introspectionUrl}
force_introspection = yes
username_attribute = sub
active_attribute = active
active_value = true
`,
    );
  }
  const config = join(dir, 'dovecot.conf');
  await writeFile(
    config,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${log}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login${options.oauth2 ? ' xoauth2 oauthbearer' : ''}
mail_location = maildir:${dir}/mail/%u
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = ${dir}/passwd
}
${options.oauth2 ? `passdb {\n  driver = oauth2\n  args = ${dir}/oauth2.conf\n}\n` : ''}userdb {
  driver = static
  args = uid=65534 gid=65534 home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );
  let child: ChildProcess | null = null;
  const maildir = join(dir, 'mail', IMAP_USER);
  const server: Dovecot = {
    host: '127.0.0.1',
    port,
    maildir,
    async start() {
      if (child) return;
      const started = spawn(bin('dovecot'), ['-F', '-c', config], { stdio: 'ignore' });
      child = started;
      await waitForPort(port, started, log);
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGTERM');
      });
    },
    async close() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
    async setUidValidity(value: number) {
      await run(bin('doveadm'), [
        '-c',
        config,
        'mailbox',
        'update',
        '-u',
        IMAP_USER,
        '--uid-validity',
        String(value),
        'INBOX',
      ]);
    },
    async forgetUids() {
      for (const name of await readdir(maildir)) {
        if (name.startsWith('dovecot-uidlist') || name.startsWith('dovecot.index'))
          await rm(join(maildir, name), { force: true });
      }
    },
  };
  await server.start();
  return server;
}

/** Runs `work` with a signed-in IMAP client of the test user (the seller's inbox), signed out afterwards. */
export async function withImap<T>(dovecot: Dovecot, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    auth: { user: IMAP_USER, pass: IMAP_PASSWORD },
    logger: false,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
}
