import Holidays from 'date-holidays';
import type { HolidayCalendar } from './schedule.ts';

export interface Holiday {
  date: string;
  name: string;
  source: 'organisation' | 'public';
}

/** date-holidays builds its rules per country; keep the built objects (pure computation, no I/O). */
const cache = new Map<string, Map<number, Holiday[]>>();

/** Public holidays (type "public") of a country/region in one year, from the maintained date-holidays data. */
export function publicHolidays(country: string, region: string | null, year: number): Holiday[] {
  const key = `${country}/${region ?? ''}`;
  let years = cache.get(key);
  if (!years) {
    years = new Map();
    if (cache.size < 500) cache.set(key, years);
  }
  const known = years.get(year);
  if (known) return known;
  const hd = region ? new Holidays(country, region) : new Holidays(country);
  const list: Holiday[] = [];
  for (const h of hd.getHolidays(year) || []) {
    if (h.type !== 'public') continue;
    const start = h.date.slice(0, 10);
    const days = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / 86_400_000));
    for (let i = 0; i < days; i++) {
      const d = new Date(`${start}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() + i);
      list.push({ date: d.toISOString().slice(0, 10), name: h.name, source: 'public' });
    }
  }
  years.set(year, list);
  return list;
}

/** True when the country (and region) is known to date-holidays. */
export function isKnownCountry(country: string, region: string | null): boolean {
  const hd = new Holidays();
  if (!hd.getCountries()[country]) return false;
  return !region || Boolean(hd.getStates(country)?.[region]);
}

/** Every closed date of a calendar between two local dates (inclusive), sorted, with names. */
export function holidaysBetween(calendar: HolidayCalendar, from: string, to: string): Holiday[] {
  const list: Holiday[] = calendar.dates
    .filter((d) => d >= from && d <= to)
    .map((date) => ({ date, name: 'Organisation holiday', source: 'organisation' as const }));
  if (calendar.country) {
    for (let year = Number(from.slice(0, 4)); year <= Number(to.slice(0, 4)); year++) {
      for (const h of publicHolidays(calendar.country, calendar.region, year)) {
        if (h.date >= from && h.date <= to) list.push(h);
      }
    }
  }
  return list.sort((a, b) => a.date.localeCompare(b.date));
}

/** The calendar as a predicate over local dates (public holidays computed per year on demand). */
export function holidayPredicate(calendar: HolidayCalendar): (date: string) => boolean {
  const own = new Set(calendar.dates);
  const publicDates = new Map<number, Set<string>>();
  return (date) => {
    if (own.has(date)) return true;
    if (!calendar.country) return false;
    const year = Number(date.slice(0, 4));
    let set = publicDates.get(year);
    if (!set) {
      set = new Set(publicHolidays(calendar.country, calendar.region, year).map((h) => h.date));
      publicDates.set(year, set);
    }
    return set.has(date);
  };
}
