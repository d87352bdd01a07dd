import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

/**
 * A real MTA for tests: Debian's postfix (installed by .ci/run), started in the foreground with its own config
 * and queue under /tmp, listening on one loopback port. It relays what Stepwise sends:
 *  - `relayDomains` go to a loopback SMTP server (where "delivered" mail lands);
 *  - `inboundDomains` (the sellers' and the bounce domain) go to Stepwise's inbound SMTP listener;
 *  - `localDomain` is delivered locally, where every user is unknown: Postfix itself writes the bounce
 *    ("unknown user") and sends it to the envelope sender.
 * Postfix only starts with a config directory listed in /etc/postfix/main.cf's alternate_config_directories,
 * so the harness adds its (fixed, per-checkout) directory there once; the master runs as root like dovecot's.
 */

const run = promisify(execFile);
const POSTFIX = '/usr/sbin/postfix';
const POSTCONF = '/usr/sbin/postconf';

export interface PostfixOptions {
  localDomain: string;
  relayDomains: string[];
  relayPort: number;
  inboundDomains: string[];
  inboundPort: number;
}

export interface Postfix {
  host: string;
  port: number;
  /** Postfix's own log (maillog_file), for failure messages. */
  log(): Promise<string>;
  close(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, log: () => Promise<string>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`postfix exited (${child.exitCode}):\n${await log()}`);
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
  throw new Error(`postfix did not listen on ${port}:\n${await log()}`);
}

/** Adds `dir` to the system main.cf's alternate_config_directories (needed once per directory). */
async function allowConfigDirectory(dir: string): Promise<void> {
  // Installed with "No configuration", Debian's postfix has no main.cf yet.
  if (!existsSync('/etc/postfix/main.cf')) await writeFile('/etc/postfix/main.cf', '');
  const { stdout } = await run(POSTCONF, ['-h', 'alternate_config_directories']);
  const listed = stdout
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (listed.includes(dir)) return;
  await run(POSTCONF, ['-e', `alternate_config_directories = ${[...listed, dir].join(', ')}`]);
}

export async function startPostfix(options: PostfixOptions): Promise<Postfix> {
  if (!existsSync(POSTFIX)) {
    throw new Error(
      'Postfix is not installed: this end-to-end test needs a real MTA. Install it with ' +
        "`echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections && " +
        'apt-get install -y postfix` (.ci/run does this).',
    );
  }
  const dir = join(
    tmpdir(),
    `stepwise-postfix-${createHash('sha1').update(process.cwd()).digest('hex').slice(0, 8)}`,
  );
  // A run that died left its master running: stop it before reusing the directory.
  if (existsSync(join(dir, 'main.cf'))) await run(POSTFIX, ['-c', dir, 'stop']).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'queue'), { recursive: true });
  await mkdir(join(dir, 'data'), { recursive: true });
  await allowConfigDirectory(dir);
  const port = await freePort();
  const logFile = join(dir, 'maillog');
  const routes = [
    ...options.relayDomains.map((domain) => `${domain}=smtp:[127.0.0.1]:${options.relayPort}`),
    ...options.inboundDomains.map((domain) => `${domain}=smtp:[127.0.0.1]:${options.inboundPort}`),
  ];
  await writeFile(
    join(dir, 'main.cf'),
    `compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.${options.localDomain}
mydomain = ${options.localDomain}
myorigin = $myhostname
mydestination = ${options.localDomain}
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
transport_maps = inline:{ ${routes.join(', ')} }
smtp_dns_support_level = disabled
smtp_host_lookup = native
maillog_file = ${logFile}
maillog_file_prefixes = ${tmpdir()}
biff = no
smtputf8_enable = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
`,
  );
  // The packaged master.cf with the SMTP listener on our port and no chroot (the queue lives under /tmp).
  const packaged = ['/etc/postfix/master.cf', '/usr/share/postfix/master.cf.dist'].find((file) =>
    existsSync(file),
  );
  if (!packaged)
    throw new Error(
      'postfix is installed but has no master.cf (looked in /etc/postfix and /usr/share/postfix)',
    );
  const master = (await readFile(packaged, 'utf8'))
    .replace(/^smtp(\s+)inet.*$/m, `127.0.0.1:${port} inet n - n - - smtpd`)
    .replace(/^(\S+\s+(?:unix|inet|unix-dgram|fifo|pass)\s+[-ny]\s+[-ny]\s+)y(\s)/gm, '$1n$2');
  await writeFile(join(dir, 'master.cf'), master);
  await run(POSTFIX, ['-c', dir, 'set-permissions']).catch(() => undefined);
  await run(POSTFIX, ['-c', dir, 'check']);
  const log = async () => (existsSync(logFile) ? readFile(logFile, 'utf8') : '(no postfix log yet)');
  const child = spawn(POSTFIX, ['-c', dir, 'start-fg'], { stdio: 'ignore' });
  await waitForPort(port, child, log);
  return {
    host: '127.0.0.1',
    port,
    log,
    async close() {
      await run(POSTFIX, ['-c', dir, 'stop']).catch(() => undefined);
      if (child.exitCode === null) {
        await Promise.race([
          new Promise((resolve) => child.once('exit', resolve)),
          new Promise((resolve) => setTimeout(resolve, 5000)),
        ]);
      }
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
