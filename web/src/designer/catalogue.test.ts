import { describe, expect, it } from 'vitest';
import en from '../i18n/locales/en/designer.json';
import pl from '../i18n/locales/pl/designer.json';

type Tree = { [key: string]: string | Tree };

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : keys(value, `${prefix}${key}.`),
  );
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (key: string) => key.replace(PLURAL, '');

describe('designer catalogues', () => {
  it('have the same keys in English and Polish (plural forms aside)', () => {
    const enKeys = new Set(keys(en).map(base));
    const plKeys = new Set(keys(pl).map(base));
    expect([...enKeys].filter((k) => !plKeys.has(k))).toEqual([]);
    expect([...plKeys].filter((k) => !enKeys.has(k))).toEqual([]);
  });

  it('give every plural the forms its language needs', () => {
    const forms = (tree: Tree, lang: string) => {
      const all = keys(tree);
      const plurals = new Set(all.filter((k) => PLURAL.test(k)).map(base));
      const rules = new Intl.PluralRules(lang);
      const needed = rules.resolvedOptions().pluralCategories;
      return [...plurals].flatMap((k) =>
        needed.filter((form) => !all.includes(`${k}_${form}`)).map((f) => `${k}_${f}`),
      );
    };
    expect(forms(en, 'en')).toEqual([]);
    expect(forms(pl, 'pl')).toEqual([]);
  });

  it('name things as Dynamics 365 does in Polish', () => {
    expect(pl.startsHere).toBe('Sekwencja zaczyna się tutaj');
    expect(pl.activate.button).toBe('Aktywuj');
    expect(pl.duration.days_few).toBe('{{count}} dni');
    expect(pl.problemCount_many).toBe('{{count}} problemów');
  });
});
