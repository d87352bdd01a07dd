import Holidays from 'date-holidays';

/**
 * Time zone of a record that has none, inferred from its country (and region/state) with the date-holidays
 * data set (maintained; no hand-written tables): "PL" or "Poland" → Europe/Warsaw, "AU" + "SA" or
 * "South Australia" → Australia/Adelaide. Countries spanning several zones without a region give the first
 * (most populous) zone the data lists. Null when nothing is known.
 */
let countries: Record<string, string> | null = null;

function countryCode(value: string): string | null {
  countries ??= new Holidays().getCountries('en');
  const wanted = value.trim();
  if (/^[A-Za-z]{2}$/.test(wanted) && countries[wanted.toUpperCase()]) return wanted.toUpperCase();
  const lower = wanted.toLowerCase();
  for (const [code, name] of Object.entries(countries)) if (name.toLowerCase() === lower) return code;
  return null;
}

function regionCode(country: string, value: string): string | null {
  const states = new Holidays().getStates(country, 'en') ?? {};
  const wanted = value.trim();
  if (states[wanted.toUpperCase()]) return wanted.toUpperCase();
  const lower = wanted.toLowerCase();
  for (const [code, name] of Object.entries(states)) if (name.toLowerCase() === lower) return code;
  return null;
}

const cache = new Map<string, string | null>();

export function inferTimeZone(place: { country?: string | null; region?: string | null }): string | null {
  if (!place.country?.trim()) return null;
  const key = `${place.country}|${place.region ?? ''}`.toLowerCase();
  if (cache.has(key)) return cache.get(key) ?? null;
  let zone: string | null = null;
  const country = countryCode(place.country);
  if (country) {
    const region = place.region ? regionCode(country, place.region) : null;
    const hd = region ? new Holidays(country, region) : new Holidays(country);
    zone = hd.getTimezones()?.[0] ?? null;
  }
  if (cache.size < 5000) cache.set(key, zone);
  return zone;
}

/** Country and region of a record from its custom fields (`country`, `region` / `state`), if any. */
export function placeOf(custom: Record<string, unknown>): { country: string | null; region: string | null } {
  const pick = (...names: string[]) => {
    for (const [key, value] of Object.entries(custom)) {
      if (names.includes(key.toLowerCase()) && typeof value === 'string' && value.trim()) return value;
    }
    return null;
  };
  return {
    country: pick('country', 'countrycode', 'country_code'),
    region: pick('region', 'state', 'province'),
  };
}
