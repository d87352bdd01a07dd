import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { catalogues, NAMESPACES } from './catalogues.ts';

export const LANGUAGES = ['en', 'pl'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Browser language when the user has not chosen one in their profile. */
export function browserLanguage(): Language {
  const preferred = typeof navigator === 'undefined' ? 'en' : navigator.language.slice(0, 2);
  return (LANGUAGES as readonly string[]).includes(preferred) ? (preferred as Language) : 'en';
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
