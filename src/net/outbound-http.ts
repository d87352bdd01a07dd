import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type OutboundPolicy, pinnedLookup, type Resolver, resolveOutbound } from './outbound-address.ts';

/**
 * POSTs to a user-given URL through the outbound guard: the host is resolved and checked once, and the request
 * connects to exactly those addresses (a pinned `lookup`), so DNS rebinding cannot redirect it to an internal
 * address. Redirects are never followed (a 3xx is the answer), so a public URL cannot bounce to an internal one.
 */
export interface OutboundPost {
  method: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

export async function postOutbound(
  url: string,
  init: OutboundPost,
  policy: OutboundPolicy,
  resolver?: Resolver,
): Promise<{ status: number }> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('Only http(s) URLs');
  const addresses = await resolveOutbound(target.hostname, policy, resolver);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        method: init.method,
        headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        lookup: pinnedLookup(addresses),
        signal: init.signal,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
