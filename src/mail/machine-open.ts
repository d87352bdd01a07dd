/**
 * Opens and clicks are weak signals: privacy proxies and security scanners fetch images and follow links
 * without a person. We still record them, flagged `machine`, and do not hand them to sequence conditions.
 */

/** An open or click this soon after delivery is almost always a scanner or a proxy pre-fetch. */
export const MACHINE_WINDOW_MS = 10_000;

const PROXY_AGENTS: RegExp[] = [
  /GoogleImageProxy/i,
  /ggpht\.com/i,
  /YahooMailProxy/i,
  /Safe ?Links/i,
  /Microsoft Office Protocol Discovery/i,
  /ms-office/i,
  /Barracuda/i,
  /Mimecast/i,
  /Proofpoint/i,
  /MessageLabs|Symantec/i,
  /Trend ?Micro/i,
  /Sophos/i,
  /FortiGuard/i,
  /bot\b|crawler|spider|scanner|preview/i,
  /python-requests|curl\/|wget\/|Go-http-client|okhttp|node-fetch|axios/i,
];

/** Why an open/click looks machine-made, or null when it looks like a person. */
export function machineReason(input: {
  sentAt: number | null;
  at: number;
  userAgent: string | undefined;
}): 'too_soon_after_delivery' | 'proxy_user_agent' | 'apple_privacy_proxy' | 'no_user_agent' | null {
  const agent = (input.userAgent ?? '').trim();
  if (!agent) return 'no_user_agent';
  // Apple Mail Privacy Protection fetches through a proxy sending a bare "Mozilla/5.0".
  if (agent === 'Mozilla/5.0') return 'apple_privacy_proxy';
  if (PROXY_AGENTS.some((pattern) => pattern.test(agent))) return 'proxy_user_agent';
  if (input.sentAt !== null && input.at - input.sentAt < MACHINE_WINDOW_MS) return 'too_soon_after_delivery';
  return null;
}
