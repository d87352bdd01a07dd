import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Server-side request forgery guard for every connection Stepwise opens to an address a user typed (webhook
 * URLs, mailbox SMTP/IMAP hosts): the host is resolved with DNS and refused when any of its addresses is not a
 * public unicast address — loopback, private (10/8, 172.16/12, 192.168/16), link-local (169.254/16, including
 * the cloud metadata service 169.254.169.254), carrier-grade NAT, 0.0.0.0/8, multicast, reserved ranges,
 * IPv6 ::1, unique-local fc00::/7, link-local fe80::/10, and IPv4 addresses wrapped in IPv6 (::ffff:127.0.0.1,
 * NAT64, 6to4, Teredo). Numeric tricks (`2130706433`, `0x7f.1`, `0177.0.0.1`) resolve to what they mean and are
 * judged by that. The caller then connects to the addresses checked here (never resolving again), so a DNS
 * answer that changes between check and connect (rebinding) cannot switch the target.
 *
 * The operator can allow hosts anyway with `OUTBOUND_ALLOW_HOSTS` (docs/configuration.md): exact host names,
 * IP addresses or CIDR ranges, e.g. `smtp.internal,10.20.0.0/16`.
 */
export interface OutboundPolicy {
  /** Host names (exact, case-insensitive), IP addresses or CIDR ranges that may be reached anyway. */
  allowList: readonly string[];
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export class OutboundAddressRefused extends Error {
  readonly code = 'outbound_address_refused';
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(
      `${host} is not reachable from Stepwise: it points to a ${reason} address. Ask the operator to add it ` +
        'to OUTBOUND_ALLOW_HOSTS if it is meant to be reached.',
    );
  }
}

export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const dnsResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }));

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'unspecified (0.0.0.0 / ::)',
  loopback: 'loopback',
  private: 'private network',
  linkLocal: 'link-local (or cloud metadata)',
  carrierGradeNat: 'carrier-grade NAT',
  uniqueLocal: 'unique-local IPv6',
  deprecatedSiteLocal: 'site-local IPv6',
  multicast: 'multicast',
  broadcast: 'broadcast',
};

/** Why an address must not be reached, or null for a public unicast address. */
export function refusalReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'unparsable';
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries.
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === 'unicast') {
    // IPv4-compatible ::a.b.c.d (deprecated) is not in ipaddr's table.
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).match(ipaddr.IPv6.parse('::'), 96)) {
      return 'IPv4-compatible IPv6';
    }
    return null;
  }
  return RANGE_NAMES[range] ?? `special-purpose (${range})`;
}

const normaliseHost = (host: string) =>
  host
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();

function hostAllowed(host: string, policy: OutboundPolicy): boolean {
  return policy.allowList.some((entry) => normaliseHost(entry) === host);
}

function addressAllowed(address: string, policy: OutboundPolicy): boolean {
  const parsed = ipaddr.process(address);
  return policy.allowList.some((entry) => {
    const text = entry.trim();
    try {
      if (text.includes('/')) {
        const [range, bits] = ipaddr.parseCIDR(text);
        const candidate =
          range.kind() === parsed.kind()
            ? parsed
            : parsed.kind() === 'ipv4'
              ? (parsed as ipaddr.IPv4).toIPv4MappedAddress()
              : null;
        return candidate?.match([range, bits] as never) ?? false;
      }
      return (
        ipaddr.isValid(normaliseHost(text)) &&
        ipaddr.process(normaliseHost(text)).toString() === parsed.toString()
      );
    } catch {
      return false;
    }
  });
}

/**
 * The addresses to connect to for `host`, all checked; throws OutboundAddressRefused when any is not public and
 * not allow-listed, and the resolver's error when the name does not resolve.
 */
export async function resolveOutbound(
  rawHost: string,
  policy: OutboundPolicy,
  resolver: Resolver = dnsResolver,
): Promise<ResolvedAddress[]> {
  const host = normaliseHost(rawHost);
  const literal = isIP(host);
  const allowed = hostAllowed(host, policy);
  // Numeric forms the resolver would read as IPv4 (decimal, octal, hex) are judged as what they mean.
  if (!allowed && !literal && ipaddr.IPv4.isValid(host)) {
    const reason = refusalReason(ipaddr.IPv4.parse(host).toString());
    if (reason) throw new OutboundAddressRefused(rawHost, reason);
  }
  const addresses: ResolvedAddress[] = literal
    ? [{ address: host, family: literal === 6 ? 6 : 4 }]
    : await resolver(host);
  if (addresses.length === 0) throw new OutboundAddressRefused(rawHost, 'unresolvable');
  if (allowed) return addresses;
  for (const { address } of addresses) {
    const reason = refusalReason(address);
    if (reason && !addressAllowed(address, policy)) throw new OutboundAddressRefused(rawHost, reason);
  }
  return addresses;
}

/** A `lookup` for net/tls/http that answers only with the addresses checked before (no second DNS query). */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
    const first = addresses[0]!;
    const done = callback as (...args: unknown[]) => void;
    if (all)
      done(
        null,
        addresses.map((a) => ({ address: a.address, family: a.family })),
      );
    else done(null, first.address, first.family);
  };
}

/** Parses `OUTBOUND_ALLOW_HOSTS`: comma or space separated entries. */
export function parseAllowList(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}
