import type { Kysely } from 'kysely';
import { findUser } from '../../store/repos/identity-repo.ts';
import { findRecord } from '../../store/repos/records-repo.ts';
import type { Database } from '../../store/schema.ts';

/**
 * The unsubscribe page in the recipient's language (issue 15, item 20): the record's own `language`/`locale`
 * custom field if it has one, else the sending seller's locale, else the browser's Accept-Language; English
 * when none of them is a language the page speaks.
 */
export type PageLanguage = 'en' | 'pl';

const TEXTS = {
  en: {
    invalidTitle: 'Link not valid',
    invalidBody: 'This unsubscribe link is not valid.',
    confirmTitle: 'Unsubscribe',
    confirmQuestion: (to: string) => `Stop emails to <strong>${to}</strong>?`,
    confirmButton: 'Unsubscribe',
    doneTitle: 'You are unsubscribed',
    doneBody: 'You will not receive further emails from us.',
  },
  pl: {
    invalidTitle: 'Nieprawidłowy link',
    invalidBody: 'Ten link do wypisania się jest nieprawidłowy.',
    confirmTitle: 'Wypisz się',
    confirmQuestion: (to: string) => `Nie wysyłać więcej e-maili na adres <strong>${to}</strong>?`,
    confirmButton: 'Wypisz się',
    doneTitle: 'Wypisano Cię z listy',
    doneBody: 'Nie będziesz już otrzymywać od nas e-maili.',
  },
} as const;

export const unsubscribeTexts = (language: PageLanguage) => TEXTS[language];

export const unsubscribePage = (language: PageLanguage, title: string, body: string) =>
  `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>` +
  '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}' +
  'button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#1d4ed8;color:#fff;cursor:pointer}</style>' +
  `</head><body><h1>${title}</h1>${body}</body></html>`;

/** `pl-PL`, `pl`, `Polish`… → a page language, or undefined. */
function languageOf(value: unknown): PageLanguage | undefined {
  if (typeof value !== 'string') return undefined;
  const code = value.trim().toLowerCase();
  if (code === 'polish' || code === 'polski' || /^pl(\b|[-_])/.test(code) || code === 'pl') return 'pl';
  if (code === 'english' || /^en(\b|[-_])/.test(code) || code === 'en') return 'en';
  return undefined;
}

/** The first language of an Accept-Language header (by q-value) the page speaks. */
export function acceptedLanguage(header: string | undefined): PageLanguage | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag, q: q ? Number(q.slice(2)) || 0 : 1, index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const language = languageOf(entry.tag);
    if (language) return language;
  }
  return undefined;
}

function recordLanguage(customJson: string): PageLanguage | undefined {
  try {
    const custom: unknown = JSON.parse(customJson);
    if (!custom || typeof custom !== 'object') return undefined;
    const fields = custom as Record<string, unknown>;
    return languageOf(fields.language) ?? languageOf(fields.locale);
  } catch {
    return undefined;
  }
}

export async function recipientLanguage(
  db: Kysely<Database>,
  message: { org_id: string; record_id: string | null; sender_user_id: string } | undefined,
  acceptLanguage: string | undefined,
): Promise<PageLanguage> {
  if (message) {
    const record = message.record_id ? await findRecord(db, message.org_id, message.record_id) : undefined;
    const fromRecord = record ? recordLanguage(record.custom_json) : undefined;
    if (fromRecord) return fromRecord;
    const sender = await findUser(db, message.org_id, message.sender_user_id);
    const fromSender = languageOf(sender?.locale);
    if (fromSender) return fromSender;
  }
  return acceptedLanguage(acceptLanguage) ?? 'en';
}
