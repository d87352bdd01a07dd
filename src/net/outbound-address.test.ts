import { describe, expect, it } from 'vitest';
import {
  OutboundAddressRefused,
  parseAllowList,
  type ResolvedAddress,
  refusalReason,
  resolveOutbound,
} from './outbound-address.ts';

const none = { allowList: [] };
/** A resolver with fixed answers, standing in for DNS (one real-DNS case below uses `localhost`). */
const fixed =
  (answers: Record<string, string[]>) =>
  async (host: string): Promise<ResolvedAddress[]> => {
    const list = answers[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('outbound address guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.5.5.5', 'loopback'],
    ['10.1.2.3', 'private network'],
    ['172.16.0.1', 'private network'],
    ['172.31.255.254', 'private network'],
    ['192.168.1.1', 'private network'],
    ['169.254.169.254', 'link-local (or cloud metadata)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified (0.0.0.0 / ::)'],
    ['::1', 'loopback'],
    ['::', 'unspecified (0.0.0.0 / ::)'],
    ['fd00::1', 'unique-local IPv6'],
    ['fe80::1', 'link-local (or cloud metadata)'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local (or cloud metadata)'],
    ['::7f00:1', 'IPv4-compatible IPv6'],
    ['::808:808', 'IPv4-compatible IPv6'],
    ['64:ff9b::a00:1', 'special-purpose (rfc6052)'],
    ['2002:7f00:1::', 'special-purpose (6to4)'],
    ['224.0.0.1', 'multicast'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(refusalReason(address)).toBe(reason);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111'])(
    'allows public %s',
    (address) => {
      expect(refusalReason(address)).toBeNull();
    },
  );

  it('judges IP literals, decimal/octal/hex forms and every address a name resolves to', async () => {
    for (const host of ['127.0.0.1', '[::1]', '2130706433', '0x7f.0.0.1', '0177.0.0.1', '127.1', '0']) {
      await expect(resolveOutbound(host, none, fixed({})), host).rejects.toBeInstanceOf(
        OutboundAddressRefused,
      );
    }
    // A name with one public and one private address is refused (no mixed answers).
    const dns = fixed({
      'hooks.example.com': ['93.184.215.14'],
      'mixed.example.com': ['93.184.215.14', '10.0.0.1'],
    });
    expect(await resolveOutbound('hooks.example.com', none, dns)).toEqual([
      { address: '93.184.215.14', family: 4 },
    ]);
    await expect(resolveOutbound('mixed.example.com', none, dns)).rejects.toThrow(/private network/);
    // The real resolver: localhost is loopback.
    await expect(resolveOutbound('localhost', none)).rejects.toBeInstanceOf(OutboundAddressRefused);
    await expect(resolveOutbound('no-such-host.invalid', none)).rejects.toThrow();
  });

  it('lets the operator allow host names, addresses and CIDR ranges', async () => {
    const dns = fixed({
      'smtp.internal': ['10.20.3.4'],
      'other.internal': ['10.30.0.1'],
      'v6.internal': ['fd00::5'],
    });
    const policy = { allowList: parseAllowList('smtp.internal, 127.0.0.1 fd00::/8') };
    expect(policy.allowList).toEqual(['smtp.internal', '127.0.0.1', 'fd00::/8']);
    expect(await resolveOutbound('SMTP.internal.', policy, dns)).toEqual([
      { address: '10.20.3.4', family: 4 },
    ]);
    expect(await resolveOutbound('127.0.0.1', policy, dns)).toHaveLength(1);
    expect(await resolveOutbound('v6.internal', policy, dns)).toHaveLength(1);
    await expect(resolveOutbound('other.internal', policy, dns)).rejects.toBeInstanceOf(
      OutboundAddressRefused,
    );
    await expect(resolveOutbound('127.0.0.2', policy, dns)).rejects.toBeInstanceOf(OutboundAddressRefused);
    const range = { allowList: ['10.30.0.0/16'] };
    expect(await resolveOutbound('other.internal', range, dns)).toHaveLength(1);
  });
});
