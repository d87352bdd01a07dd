import { IANAZone } from 'luxon';

/** Zone names already checked (Luxon's check builds an Intl formatter each time, which is slow). */
const checked = new Map<string, boolean>();

/** A valid IANA zone name, or undefined. */
export function validZone(zone: string | null | undefined): string | undefined {
  if (!zone) return undefined;
  let valid = checked.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    if (checked.size < 1000) checked.set(zone, valid);
  }
  return valid ? zone : undefined;
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
