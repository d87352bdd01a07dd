import enCommon from './locales/en/common.json';
import enDesigner from './locales/en/designer.json';
import enErrors from './locales/en/errors.json';
import plCommon from './locales/pl/common.json';
import plDesigner from './locales/pl/designer.json';
import plErrors from './locales/pl/errors.json';

/**
 * Every namespace, per language. One JSON file per screen area so several people can work on the UI at once;
 * a test checks that both languages have exactly the same keys.
 */
export const NAMESPACES = ['common', 'errors', 'designer'] as const;

export const catalogues = {
  en: { common: enCommon, errors: enErrors, designer: enDesigner },
  pl: { common: plCommon, errors: plErrors, designer: plDesigner },
} as const;
