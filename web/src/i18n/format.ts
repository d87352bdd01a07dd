import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import type { Profile } from '../api/types.ts';

const LOCALE_TAGS: Record<string, string> = { en: 'en-GB', pl: 'pl-PL' };

export interface Formatters {
  locale: string;
  timeZone: string | undefined;
  date(ms: number | null | undefined): string;
  dateTime(ms: number | null | undefined): string;
  time(ms: number | null | undefined): string;
  number(value: number): string;
  percent(fraction: number): string;
  /** "in 2 days" / "za 2 dni", "3 hours ago" / "3 godziny temu"; days counted on the user's calendar. */
  relative(ms: number | null | undefined, now?: number): string;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** Pure formatters for a language and time zone (Intl); tests and components share them. */
export function makeFormatters(language: string, timeZone: string | undefined): Formatters {
  const locale = LOCALE_TAGS[language] ?? language;
  const zone = timeZone && isValidZone(timeZone) ? timeZone : undefined;
  const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: zone });
  const dateTimeFmt = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: zone,
  });
  const timeFmt = new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: zone });
  const numberFmt = new Intl.NumberFormat(locale);
  const percentFmt = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  // "tomorrow" / "jutro" for ±1, numbers beyond ("in 2 days" / "za 2 dni", not "pojutrze").
  const nearFmt = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const relativeFmt = new Intl.RelativeTimeFormat(locale, { numeric: 'always' });
  const relativeText = (value: number, unit: Intl.RelativeTimeFormatUnit) =>
    (Math.abs(value) <= 1 ? nearFmt : relativeFmt).format(value, unit);
  // Days are calendar days on the user's clock: due 22:00 tomorrow is "tomorrow" even 38 hours ahead.
  const dayFmt = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone: zone,
  });
  const dayNumber = (ms: number) => Date.parse(`${dayFmt.format(ms)}T00:00:00Z`) / 86_400_000;
  const empty = '—';
  return {
    locale,
    timeZone: zone,
    date: (ms) => (ms == null ? empty : dateFmt.format(ms)),
    dateTime: (ms) => (ms == null ? empty : dateTimeFmt.format(ms)),
    time: (ms) => (ms == null ? empty : timeFmt.format(ms)),
    number: (value) => numberFmt.format(value),
    percent: (fraction) => percentFmt.format(fraction),
    relative: (ms, now = Date.now()) => {
      if (ms == null) return empty;
      const diff = ms - now;
      for (const [unit, size] of UNITS) {
        if (Math.abs(diff) < size) continue;
        if (unit === 'day') return relativeText(dayNumber(ms) - dayNumber(now), unit);
        return relativeText(Math.round(diff / size), unit);
      }
      return relativeText(Math.round(diff / 60_000), 'minute');
    },
  };
}

function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function useProfile() {
  return useQuery({
    queryKey: ['profile'],
    queryFn: () => api<Profile>('GET', '/api/me/profile'),
    staleTime: 60_000,
  });
}

/** The zone the user's times are shown in: their profile's, else the organisation's (as the server reads it). */
export function profileZone(profile: Profile | undefined): string | undefined {
  return profile?.timeZone || profile?.orgTimeZone || undefined;
}

/** Formatters in the signed-in user's language and time zone. */
export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  const profile = useProfile();
  return makeFormatters(i18n.language, profileZone(profile.data));
}
