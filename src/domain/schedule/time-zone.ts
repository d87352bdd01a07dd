import { IANAZone } from 'luxon';

/** A valid IANA zone name, or undefined. */
export function validZone(zone: string | null | undefined): string | undefined {
  return zone && IANAZone.isValidZone(zone) ? zone : undefined;
}

/**
 * The zone due times are computed in (SPEC §6): the record's, else the seller's, else the organisation's,
 * else UTC. Invalid names are skipped rather than trusted.
 */
export function resolveTimeZone(
  record: string | null | undefined,
  seller: string | null | undefined,
  org: string | null | undefined,
): string {
  return validZone(record) ?? validZone(seller) ?? validZone(org) ?? 'UTC';
}
