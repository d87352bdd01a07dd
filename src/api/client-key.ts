import ipaddr from 'ipaddr.js';

/**
 * The client a sign-in limit counts for: an IPv4 address as it is (also when IPv4-mapped, `::ffff:a.b.c.d`), an
 * IPv6 address by its /64 — one customer gets a whole /64 from any provider, so counting per address would let a
 * guesser take a fresh address for every few guesses. The same rule as the route limits (@fastify/rate-limit).
 */
export function clientKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const parsed = ipaddr.process(ip);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
