import type { Config } from '../config.ts';
import { OutboundAddressRefused, resolveOutbound } from '../net/outbound-address.ts';
import { HttpProblem } from './problems.ts';

/**
 * Refuses, when it is saved, a webhook URL or mailbox server that points to a private, loopback or link-local
 * address (422 `outbound_address_refused`). A name that does not resolve yet is accepted: every delivery checks
 * again after its own DNS lookup, and that check is what counts.
 */
export async function assertReachableHost(
  config: Pick<Config, 'outboundAllowList'>,
  host: string,
  path: (string | number)[],
): Promise<void> {
  try {
    await resolveOutbound(host, { allowList: config.outboundAllowList });
  } catch (error) {
    if (error instanceof OutboundAddressRefused) {
      throw new HttpProblem(422, 'outbound_address_refused', error.message, [
        { path, code: 'outbound_address_refused', message: error.message },
      ]);
    }
  }
}

/** A mailbox's SMTP and IMAP servers (create or change), each checked as above. */
export async function assertReachableServers(
  config: Pick<Config, 'outboundAllowList'>,
  input: { smtp?: { host: string } | null; imap?: { host: string } | null },
): Promise<void> {
  if (input.smtp?.host) await assertReachableHost(config, input.smtp.host, ['body', 'smtp', 'host']);
  if (input.imap?.host) await assertReachableHost(config, input.imap.host, ['body', 'imap', 'host']);
}
