import { inferZone, type Place, type ZoneSource } from './infer-zone.ts';
import { validZone } from './time-zone.ts';

/** Where a record's effective zone comes from: its own field, an inference, or the schedule's default. */
export type RecordZoneSource = ZoneSource | 'default';

export interface RecordZone {
  zone: string;
  source: RecordZoneSource;
  /** True when the zone was inferred (city, region, country or phone): the record page says so. */
  inferred: boolean;
}

/**
 * The zone a recipient-zone schedule reads for this record, with its origin. Precedence: the record's own zone >
 * its city > region > country > phone number > the default (the seller's zone, else the organisation's, else UTC).
 */
export function recordZone(input: {
  recordZone: string | null;
  place: Place;
  phones: readonly (string | null)[];
  defaultZone: string | null;
}): RecordZone {
  const own = validZone(input.recordZone);
  if (own) return { zone: own, source: 'record', inferred: false };
  const found = inferZone({ place: input.place, phones: input.phones });
  const inferred = validZone(found?.zone);
  if (found && inferred) return { zone: inferred, source: found.source, inferred: true };
  return { zone: validZone(input.defaultZone) ?? 'UTC', source: 'default', inferred: false };
}
