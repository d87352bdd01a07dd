import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type OutboundPolicy, pinnedLookup, resolveOutbound } from './outbound-address.ts';

export interface GuardedFetchOptions {
  body?: string | URLSearchParams | null;
  headers?: Record<string, string>;
  method?: string;
  signal?: AbortSignal | null;
}

const MAX_BODY = 1024 * 1024;

/**
 * A small `fetch` for server-to-server calls to a URL an admin typed (an OpenID issuer's discovery document,
 * token endpoint and keys): the host passes the outbound-address guard first and the connection goes to exactly
 * the addresses checked (no second DNS lookup). No redirects are followed; bodies over 1 MiB are refused.
 */
export function guardedFetch(policy: OutboundPolicy, timeoutMs = 10_000) {
  return async (input: string | URL, options: GuardedFetchOptions = {}): Promise<Response> => {
    const url = new URL(String(input));
    const addresses = await resolveOutbound(url.hostname, policy);
    const body = options.body == null ? undefined : String(options.body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const req = send(
        url,
        {
          method: options.method ?? 'GET',
          headers: {
            ...options.headers,
            ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }),
          },
          lookup: pinnedLookup(addresses),
          timeout: timeoutMs,
          signal: options.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY) req.destroy(new Error(`${url.host} answered with more than 1 MiB`));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (Array.isArray(value)) for (const v of value) headers.append(name, v);
              else if (value !== undefined) headers.set(name, value);
            }
            const status = res.statusCode ?? 502;
            const payload = [204, 304].includes(status) ? null : Buffer.concat(chunks);
            resolve(new Response(payload, { status, headers }));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${url.host} did not answer in time`)));
      req.on('error', reject);
      req.end(body);
    });
  };
}
