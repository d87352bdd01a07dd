import { signToken, verifyToken } from './secrets.ts';

/**
 * Tracking links: an open pixel (`/t/o/<token>.gif`), click redirects (`/t/c/<token>`) and the unsubscribe page
 * (`/u/<token>`). Tokens are HMAC-signed, so nobody can forge a click to an arbitrary URL (no open redirect)
 * or unsubscribe someone else.
 */

export interface MessageToken {
  orgId: string;
  messageId: string;
}

export const openUrl = (publicUrl: string, secretKey: string, ref: MessageToken) =>
  `${publicUrl}/t/o/${signToken(secretKey, 'open', { o: ref.orgId, m: ref.messageId })}.gif`;

/** Click links work for a year after the email was prepared; then they stop redirecting (see the click route). */
export const CLICK_LINK_LIFETIME_MS = 365 * 24 * 3_600_000;

export const clickUrl = (
  publicUrl: string,
  secretKey: string,
  ref: MessageToken,
  url: string,
  issuedAt: number,
) =>
  `${publicUrl}/t/c/${signToken(secretKey, 'click', {
    o: ref.orgId,
    m: ref.messageId,
    u: url,
    e: String(Math.floor((issuedAt + CLICK_LINK_LIFETIME_MS) / 1000)),
  })}`;

export const unsubscribeUrl = (publicUrl: string, secretKey: string, ref: MessageToken) =>
  `${publicUrl}/u/${signToken(secretKey, 'unsubscribe', { o: ref.orgId, m: ref.messageId })}`;

export function readMessageToken(
  secretKey: string,
  purpose: 'open' | 'unsubscribe',
  token: string,
): MessageToken | null {
  const payload = verifyToken(secretKey, purpose, token);
  if (!payload?.o || !payload.m) return null;
  return { orgId: payload.o, messageId: payload.m };
}

export type ClickToken = MessageToken & { url: string; expired: boolean };

/** A signed click link; `expired` once its lifetime has passed (links made before expiry existed never expire). */
export function readClickToken(secretKey: string, token: string, now: number): ClickToken | null {
  const payload = verifyToken(secretKey, 'click', token);
  if (!payload?.o || !payload.m || !payload.u) return null;
  if (!/^https?:\/\//i.test(payload.u)) return null;
  const expiresAt = payload.e ? Number(payload.e) * 1000 : Number.POSITIVE_INFINITY;
  return { orgId: payload.o, messageId: payload.m, url: payload.u, expired: !(now < expiresAt) };
}

function decodeAttribute(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

function encodeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/** Rewrites http(s) links of `<a href>` through `track`; mailto:, tel: and anchors stay as they are. */
export function rewriteLinks(html: string, track: (url: string) => string): string {
  return html.replace(
    /(<a\b[^>]*?\bhref\s*=\s*)("([^"]*)"|'([^']*)')/gi,
    (whole, prefix: string, _quoted: string, dq: string | undefined, sq: string | undefined) => {
      const href = decodeAttribute((dq ?? sq ?? '').trim());
      if (!/^https?:\/\//i.test(href)) return whole;
      return `${prefix}"${encodeAttribute(track(href))}"`;
    },
  );
}

/** Appends a 1×1 image just before `</body>` (or at the end). */
export function addOpenPixel(html: string, pixelUrl: string): string {
  const img = `<img src="${encodeAttribute(pixelUrl)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px" />`;
  const close = html.search(/<\/body>/i);
  return close >= 0 ? `${html.slice(0, close)}${img}${html.slice(close)}` : `${html}${img}`;
}

/** The 43-byte transparent GIF served for opens. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
