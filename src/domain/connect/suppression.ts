/**
 * The suppression list's key for an address: trimmed and lower-case, so "Ana@Example.com " and "ana@example.com"
 * are one address. An empty or missing address is never suppressed.
 */
export function suppressionKey(address: string | null | undefined): string | null {
  const key = address?.trim().toLowerCase() ?? '';
  return key.includes('@') ? key : null;
}
