import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { catalogues, NAMESPACES } from './catalogues.ts';

export const LANGUAGES = ['en', 'pl'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A language code the UI has, else English. */
export function asLanguage(code: string): Language {
  return LANGUAGES.find((language) => language === code) ?? 'en';
}

/** Browser language when the user has not chosen one in their profile. */
export function browserLanguage(): Language {
  return asLanguage(typeof navigator === 'undefined' ? 'en' : navigator.language.slice(0, 2));
}

void i18n.use(initReactI18next).init({
  resources: catalogues,
  lng: browserLanguage(),
  fallbackLng: 'en',
  ns: [...NAMESPACES],
  defaultNS: 'common',
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
