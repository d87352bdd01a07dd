import countriesAndTimezones from 'countries-and-timezones';
import Holidays from 'date-holidays';
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Time zone of a record that has none (issue 13), from maintained data only — no hand-written tables:
 * - city: an IANA zone whose city part is the record's city ("New York" → America/New_York), among the zones
 *   of its country when the country is known (zone list: `countries-and-timezones`);
 * - region: the zone `date-holidays` gives the country's state/region ("AU" + "SA" → Australia/Adelaide);
 * - country: the country's only zone (`countries-and-timezones`), or for countries spanning several zones the
 *   first (most populous) zone `date-holidays` lists (US → America/New_York);
 * - phone: the country of the business, then the mobile number (`libphonenumber-js`), then as for country.
 *   A number alone cannot tell New York from Los Angeles: for several-zone countries this is the country's
 *   main zone, and a seller corrects it on the record page.
 */
export type ZoneSource = 'record' | 'city' | 'region' | 'country' | 'phone';

export interface Place {
  country: string | null;
  region: string | null;
  city?: string | null;
}

export interface ZoneClues {
  place: Place;
  phones?: readonly (string | null | undefined)[];
}

let countryNames: Record<string, string> | null = null;

function countryCode(value: string): string | null {
  countryNames ??= new Holidays().getCountries('en');
  const wanted = value.trim();
  const upper = wanted.toUpperCase();
  if (/^[A-Z]{2}$/.test(upper) && (countryNames[upper] || countriesAndTimezones.getCountry(upper)))
    return upper;
  const lower = wanted.toLowerCase();
  for (const [code, name] of Object.entries(countryNames)) if (name.toLowerCase() === lower) return code;
  for (const country of Object.values(countriesAndTimezones.getAllCountries())) {
    if (country.name.toLowerCase() === lower) return country.id;
  }
  return null;
}

function regionZone(country: string, value: string): string | null {
  const states = new Holidays().getStates(country, 'en') ?? {};
  const wanted = value.trim();
  let code: string | null = states[wanted.toUpperCase()] ? wanted.toUpperCase() : null;
  const lower = wanted.toLowerCase();
  for (const [key, name] of Object.entries(states)) if (!code && name.toLowerCase() === lower) code = key;
  return code ? (new Holidays(country, code).getTimezones()?.[0] ?? null) : null;
}

/** The zone of a country: its only zone, else the first (most populous) one date-holidays lists. */
export function countryZone(country: string): string | null {
  const zones = countriesAndTimezones.getTimezonesForCountry(country) ?? [];
  const canonical = zones.filter((zone) => !zone.aliasOf).map((zone) => zone.name);
  if (canonical.length === 1) return canonical[0] ?? null;
  const listed = new Holidays(country).getTimezones?.() ?? [];
  return listed[0] ?? canonical[0] ?? null;
}

const normalise = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[.'’]/g, '')
    .replace(/[\s_-]+/g, ' ');

function cityZone(city: string, country: string | null): string | null {
  const wanted = normalise(city);
  if (!wanted) return null;
  const zones = country
    ? (countriesAndTimezones.getTimezonesForCountry(country) ?? [])
    : Object.values(countriesAndTimezones.getAllTimezones());
  for (const zone of zones) {
    const cityPart = zone.name.split('/').pop() ?? '';
    if (normalise(cityPart) === wanted) return zone.aliasOf ?? zone.name;
  }
  return null;
}

/** The country a phone number belongs to (international format, or national when the record's country is known). */
export function phoneCountry(phone: string, defaultCountry: string | null): string | null {
  const fallback = defaultCountry && isSupportedCountry(defaultCountry) ? defaultCountry : undefined;
  const parsed = parsePhoneNumberFromString(phone, fallback);
  return parsed?.country ?? null;
}

const cache = new Map<string, { zone: string; source: ZoneSource } | null>();

/** The inferred zone and what it came from, or null when nothing is known. */
export function inferZone(clues: ZoneClues): { zone: string; source: Exclude<ZoneSource, 'record'> } | null {
  const phones = (clues.phones ?? []).filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  const { country: rawCountry, region, city } = clues.place;
  const key = JSON.stringify([rawCountry, region, city, phones]).toLowerCase();
  if (cache.has(key)) return cache.get(key) as { zone: string; source: Exclude<ZoneSource, 'record'> } | null;
  const found = infer(rawCountry, region, city ?? null, phones);
  if (cache.size < 5000) cache.set(key, found);
  return found;
}

function infer(
  rawCountry: string | null,
  region: string | null,
  city: string | null,
  phones: string[],
): { zone: string; source: Exclude<ZoneSource, 'record'> } | null {
  const country = rawCountry?.trim() ? countryCode(rawCountry) : null;
  if (city) {
    const zone = cityZone(city, country);
    if (zone) return { zone, source: 'city' };
  }
  if (country && region) {
    const zone = regionZone(country, region);
    if (zone) return { zone, source: 'region' };
  }
  if (country) {
    const zone = countryZone(country);
    if (zone) return { zone, source: 'country' };
  }
  for (const phone of phones) {
    const code = phoneCountry(phone, country);
    const zone = code ? countryZone(code) : null;
    if (zone) return { zone, source: 'phone' };
  }
  return null;
}

/** Country, region and city of a record from its custom fields (`country`, `region` / `state`, `city`), if any. */
export function placeOf(custom: Record<string, unknown>): Place {
  const pick = (...names: string[]) => {
    for (const [key, value] of Object.entries(custom)) {
      if (names.includes(key.toLowerCase()) && typeof value === 'string' && value.trim()) return value;
    }
    return null;
  };
  return {
    country: pick('country', 'countrycode', 'country_code'),
    region: pick('region', 'state', 'province'),
    city: pick('city', 'town'),
  };
}
