import type { NotificationKind } from './kinds.ts';

/** The digest email's subject and HTML, in the user's language (English or Polish). Pure. */

const KIND_LABEL: Record<'en' | 'pl', Record<NotificationKind, string>> = {
  en: {
    reply: 'Reply',
    email_held: 'Held email',
    bounce: 'Bounce',
    step_assigned: 'Assigned to you',
    step_overdue: 'Overdue step',
  },
  pl: {
    reply: 'Odpowiedź',
    email_held: 'Wstrzymany e-mail',
    bounce: 'Odbicie',
    step_assigned: 'Przypisane do Ciebie',
    step_overdue: 'Zaległy krok',
  },
};

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function polishCount(n: number): string {
  const tens = n % 100;
  const ones = n % 10;
  if (n === 1) return 'powiadomienie';
  if (ones >= 2 && ones <= 4 && (tens < 12 || tens > 14)) return 'powiadomienia';
  return 'powiadomień';
}

export function digestEmail(input: {
  locale: string;
  publicUrl: string;
  items: { kind: NotificationKind; recordId: string | null; summary: string }[];
}): { subject: string; html: string } {
  const lang = input.locale.toLowerCase().startsWith('pl') ? 'pl' : 'en';
  const n = input.items.length;
  const subject =
    lang === 'pl' ? `Stepwise: ${n} ${polishCount(n)}` : `Stepwise: ${n} notification${n === 1 ? '' : 's'}`;
  const rows = input.items.map((item) => {
    const label = escapeHtml(KIND_LABEL[lang][item.kind]);
    const text = escapeHtml(item.summary);
    const body = item.recordId
      ? `<a href="${escapeHtml(`${input.publicUrl}/record/${encodeURIComponent(item.recordId)}`)}">${text}</a>`
      : text;
    return `<li><strong>${label}:</strong> ${body}</li>`;
  });
  const settings = escapeHtml(`${input.publicUrl}/settings/profile`);
  const footer =
    lang === 'pl'
      ? `<p>Zmień, co przychodzi e-mailem: <a href="${settings}">Ustawienia → Profil</a>.</p>`
      : `<p>Choose what arrives by email: <a href="${settings}">Settings → Profile</a>.</p>`;
  return { subject, html: `<ul>${rows.join('')}</ul>${footer}` };
}
