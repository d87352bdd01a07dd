import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys for the mail layer, each derived from `config.secretKey` with its own label, so one leaked derived key
 * does not unlock the others: mailbox/webhook secrets are encrypted at rest (AES-256-GCM); tracking,
 * unsubscribe and inbound tokens are HMAC-SHA256 signed.
 */
export function deriveKey(secretKey: string, label: string): Buffer {
  return createHmac('sha256', secretKey).update(`stepwise:${label}`).digest();
}

const VERSION = 'v1';

/** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
export function encryptSecret(secretKey: string, plaintext: string): string {
  const key = deriveKey(secretKey, 'secret-encryption');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join('.');
}

export function decryptSecret(secretKey: string, stored: string): string {
  const [version, iv, tag, body] = stored.split('.');
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('Unknown secret format');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    deriveKey(secretKey, 'secret-encryption'),
    Buffer.from(iv, 'base64url'),
  );
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/** A signed, URL-safe token: base64url(JSON payload) + "." + 16-byte HMAC. */
export function signToken(secretKey: string, purpose: string, payload: Record<string, string>): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', deriveKey(secretKey, `token:${purpose}`))
    .update(body)
    .digest()
    .subarray(0, 16);
  return `${body}.${mac.toString('base64url')}`;
}

/** The payload of a token signed for `purpose`, or null when forged, altered or malformed. */
export function verifyToken(
  secretKey: string,
  purpose: string,
  token: string,
): Record<string, string> | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 4096) return null;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = createHmac('sha256', deriveKey(secretKey, `token:${purpose}`))
    .update(body)
    .digest()
    .subarray(0, 16);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') out[key] = value;
    return out;
  } catch {
    return null;
  }
}

export function safeEqualText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
