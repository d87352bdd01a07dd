import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerpSettings } from '../config.ts';

/**
 * VERP return paths: each outbound email leaves with its own envelope sender
 * `bounces+<id>-<signature>@<bounce domain>` (the From header stays the seller's), so a bounce or an automatic
 * reply sent to the return path names the exact email it is about, whatever the remote server quotes or not.
 * `<id>` is the outbound message's UUID without dashes, `<signature>` the first 64 bits of an HMAC-SHA256 of it
 * under the deployment's secret key: a token that was not made here (forged, altered or from another deployment)
 * is ignored. The local part stays under 64 characters (RFC 5321) with a prefix of up to 14 characters.
 */

const TOKEN = /\+([0-9a-f]{32})-([0-9a-f]{16})@/i;

function signature(secretKey: string, compactId: string): string {
  return createHmac('sha256', secretKey).update(`verp:${compactId}`).digest('hex').slice(0, 16);
}

/** The envelope sender for one outbound email, or null when the id is not a UUID. */
export function verpAddress(settings: VerpSettings, secretKey: string, outboundId: string): string | null {
  const compact = outboundId.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(compact)) return null;
  return `${settings.localPart}+${compact}-${signature(secretKey, compact)}@${settings.domain}`;
}

/** The outbound message id carried by a correctly signed VERP address, else null. */
export function verpMessageId(secretKey: string, address: string): string | null {
  const match = TOKEN.exec(address);
  if (!match) return null;
  const compact = (match[1] as string).toLowerCase();
  const given = Buffer.from((match[2] as string).toLowerCase(), 'utf8');
  const expected = Buffer.from(signature(secretKey, compact), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return `${compact.slice(0, 8)}-${compact.slice(8, 12)}-${compact.slice(12, 16)}-${compact.slice(16, 20)}-${compact.slice(20)}`;
}

/** Every correctly signed VERP token among these addresses (envelope recipients, To/Delivered-To headers …). */
export function verpMessageIds(secretKey: string, addresses: readonly string[]): string[] {
  const ids: string[] = [];
  for (const address of addresses) {
    const id = verpMessageId(secretKey, address);
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
