import enCommon from './locales/en/common.json';
import enConnecting from './locales/en/connecting.json';
import enDesigner from './locales/en/designer.json';
import enEmail from './locales/en/email.json';
import enErrors from './locales/en/errors.json';
import enInsights from './locales/en/insights.json';
import enRecords from './locales/en/records.json';
import enSegments from './locales/en/segments.json';
import enSequences from './locales/en/sequences.json';
import enSettings from './locales/en/settings.json';
import enUpnext from './locales/en/upnext.json';
import enWalk from './locales/en/walk.json';
import enWorklist from './locales/en/worklist.json';
import plCommon from './locales/pl/common.json';
import plConnecting from './locales/pl/connecting.json';
import plDesigner from './locales/pl/designer.json';
import plEmail from './locales/pl/email.json';
import plErrors from './locales/pl/errors.json';
import plInsights from './locales/pl/insights.json';
import plRecords from './locales/pl/records.json';
import plSegments from './locales/pl/segments.json';
import plSequences from './locales/pl/sequences.json';
import plSettings from './locales/pl/settings.json';
import plUpnext from './locales/pl/upnext.json';
import plWalk from './locales/pl/walk.json';
import plWorklist from './locales/pl/worklist.json';

/**
 * Every namespace, per language. One JSON file per screen area so several people can work on the UI at once;
 * test/i18n/catalogues.test.ts checks that both languages have exactly the same keys (plural forms per language).
 */
export const NAMESPACES = [
  'common',
  'errors',
  'sequences',
  'records',
  'upnext',
  'worklist',
  'insights',
  'settings',
  'designer',
  'email',
  'walk',
  'segments',
  'connecting',
] as const;

export const catalogues = {
  en: {
    common: enCommon,
    errors: enErrors,
    sequences: enSequences,
    records: enRecords,
    upnext: enUpnext,
    worklist: enWorklist,
    insights: enInsights,
    settings: enSettings,
    designer: enDesigner,
    email: enEmail,
    walk: enWalk,
    segments: enSegments,
    connecting: enConnecting,
  },
  pl: {
    common: plCommon,
    errors: plErrors,
    sequences: plSequences,
    records: plRecords,
    upnext: plUpnext,
    worklist: plWorklist,
    insights: plInsights,
    settings: plSettings,
    designer: plDesigner,
    email: plEmail,
    walk: plWalk,
    segments: plSegments,
    connecting: plConnecting,
  },
} as const;
