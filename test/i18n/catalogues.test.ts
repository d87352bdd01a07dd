import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { catalogues, NAMESPACES } from '../../web/src/i18n/catalogues.ts';
import { makeFormatters } from '../../web/src/i18n/format.ts';

type Tree = { [key: string]: string | Tree };
const LANGS = Object.keys(catalogues) as (keyof typeof catalogues)[];
const PLURAL = /_(zero|one|two|few|many|other)$/;

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

const variables = (text: string) => [...text.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]).sort();

describe('catalogues', () => {
  for (const ns of NAMESPACES) {
    it(`${ns}: English and Polish have the same keys, plural forms of each language and the same placeholders`, () => {
      const byLang = LANGS.map((lang) => ({ lang, keys: leaves(catalogues[lang][ns] as Tree) }));
      const base = (lang: string) =>
        new Set(
          [...byLang.find((entry) => entry.lang === lang)!.keys.keys()].map((key) => key.replace(PLURAL, '')),
        );
      const en = base('en');
      for (const { lang } of byLang) {
        const other = base(lang);
        expect(
          [...en].filter((key) => !other.has(key)),
          `missing in ${lang}/${ns}`,
        ).toEqual([]);
        expect(
          [...other].filter((key) => !en.has(key)),
          `only in ${lang}/${ns}`,
        ).toEqual([]);
      }
      for (const { lang, keys } of byLang) {
        const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
        const plurals = new Set(
          [...keys.keys()].filter((key) => PLURAL.test(key)).map((key) => key.replace(PLURAL, '')),
        );
        for (const plural of plurals) {
          for (const category of categories) {
            expect(keys.has(`${plural}_${category}`), `${lang}/${ns}: ${plural}_${category}`).toBe(true);
          }
        }
        for (const [key, text] of keys) expect(text.trim(), `${lang}/${ns}: ${key} is empty`).not.toBe('');
      }
      const enKeys = byLang.find((entry) => entry.lang === 'en')!.keys;
      for (const { lang, keys } of byLang) {
        for (const [key, text] of keys) {
          const english = enKeys.get(key) ?? enKeys.get(key.replace(PLURAL, '_other'));
          if (english === undefined) continue;
          expect(variables(text), `${lang}/${ns}: placeholders of ${key}`).toEqual(variables(english));
        }
      }
    });
  }
});

describe('Polish in the product', () => {
  const i18n = i18next.createInstance();
  void i18n.init({
    resources: catalogues,
    lng: 'pl',
    fallbackLng: 'en',
    ns: [...NAMESPACES],
    defaultNS: 'common',
    initAsync: false,
  });

  it('counts steps with the right plural form', () => {
    expect(i18n.t('count.steps', { count: 1 })).toBe('1 krok');
    expect(i18n.t('count.steps', { count: 2 })).toBe('2 kroki');
    expect(i18n.t('count.steps', { count: 5 })).toBe('5 kroków');
    expect(i18n.t('count.steps', { count: 22 })).toBe('22 kroki');
    expect(i18n.t('count.steps', { count: 12 })).toBe('12 kroków');
    expect(i18n.t('count.steps', { count: 1, lng: 'en' })).toBe('1 step');
    expect(i18n.t('count.steps', { count: 5, lng: 'en' })).toBe('5 steps');
  });

  it("uses Dynamics 365's Polish terms", () => {
    expect(i18n.t('recordType.lead')).toBe('Potencjalny klient');
    expect(i18n.t('recordType.opportunity')).toBe('Szansa sprzedaży');
    expect(i18n.t('recordType.account')).toBe('Konto');
    expect(i18n.t('recordType.contact')).toBe('Kontakt');
    expect(i18n.t('nav.sequences')).toBe('Sekwencje');
    expect(i18n.t('nav.worklist')).toBe('Lista zadań');
    expect(i18n.t('upnext:title')).toBe('Dalej');
    expect(i18n.t('records:connect.action')).toBe('Połącz sekwencję');
    expect(i18n.t('sequences:actions.activate')).toBe('Aktywuj');
  });

  it('translates API error codes, naming a missing permission', () => {
    expect(i18n.t('errors:active_limit_reached')).toContain('250');
    expect(i18n.t('errors:wait_last')).toBe('Czas oczekiwania nie może być ostatnim krokiem.');
    expect(
      i18n.t('errors:missing_permission', { permission: i18n.t('errors:permission.sequence.activate') }),
    ).toBe('Nie masz uprawnień do tej operacji (aktywacja sekwencji).');
  });
});

describe('dates, numbers and relative times follow locale and time zone', () => {
  const now = Date.UTC(2026, 2, 10, 12, 0);
  it('relative times', () => {
    expect(makeFormatters('pl', 'Europe/Warsaw').relative(now + 2 * 86_400_000, now)).toBe('za 2 dni');
    expect(makeFormatters('en', 'Europe/Warsaw').relative(now + 2 * 86_400_000, now)).toBe('in 2 days');
    expect(makeFormatters('pl', 'Europe/Warsaw').relative(now - 3 * 3_600_000, now)).toBe('3 godziny temu');
  });
  it('times in the user time zone, numbers in the user locale', () => {
    expect(makeFormatters('pl', 'Europe/Warsaw').time(now)).toBe('13:00');
    expect(makeFormatters('en', 'America/New_York').time(now)).toBe('08:00');
    expect(makeFormatters('pl', undefined).number(1234567.5)).toBe('1\u00a0234\u00a0567,5');
    expect(makeFormatters('en', undefined).number(1234567.5)).toBe('1,234,567.5');
    expect(makeFormatters('pl', undefined).percent(0.256)).toBe('25,6%');
  });
});
