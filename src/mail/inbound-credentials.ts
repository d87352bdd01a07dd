import { createHash, randomBytes } from 'node:crypto';
import { newId } from '../store/ids.ts';
import { safeEqualText } from './secrets.ts';

/**
 * Inbound-mail secrets: `swin_<credential id>_<32 random bytes, base64url>`. The id says which organisation (and
 * mailbox) the secret belongs to; only the SHA-256 of the whole secret is stored, so a database reader cannot
 * post mail in, and an organisation's secret can never match another organisation's messages.
 */
export interface NewInboundSecret {
  id: string;
  secret: string;
  hash: string;
}

export function hashInboundSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newInboundSecret(now: number): NewInboundSecret {
  const id = newId(now).replaceAll('-', '');
  const secret = `swin_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, secret, hash: hashInboundSecret(secret) };
}

/** The credential id inside a presented secret, or null when it is not shaped like one. */
export function inboundSecretId(secret: string): string | null {
  const match = /^swin_([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/.exec(secret);
  return match?.[1] ?? null;
}

export function inboundSecretMatches(secret: string, storedHash: string): boolean {
  return safeEqualText(hashInboundSecret(secret), storedHash);
}
