/**
 * Is an incoming message an automatic reply (out of office, vacation, auto-responder)? Those are recorded on
 * the timeline but do not count as replies, so they neither move "replied" conditions nor end the sequence.
 * Signals: RFC 3834 `Auto-Submitted` (anything but `no`), `X-Autoreply` / `X-Autorespond`,
 * `Precedence: auto_reply`, and the usual subjects in several languages.
 */

const SUBJECT_PREFIX = /^\s*((re|aw|odp|sv|vs|antw|wg|fw|fwd|r|tr)\s*:\s*)+/i;

const AUTO_SUBJECTS: RegExp[] = [
  /^auto(matic|matische|matyczna|matique)?[\s-]*(reply|response|antwort|odpowied[zź]|r[ée]ponse)/i,
  /^(out of (the )?office|ooo\b|away from (the )?office|on vacation|vacation reply|i am (currently )?out)/i,
  /^abwesenheit(snotiz)?|^automatische antwort|^nicht im b[üu]ro/i,
  /^r[ée]ponse automatique|^absence|^absent du bureau/i,
  /^automatyczna odpowied[zź]|^poza biurem|^nieobecno[śs][ćc]/i,
  /^respuesta autom[áa]tica|^fuera de la oficina/i,
  /^risposta automatica|^fuori ufficio/i,
  /^resposta autom[áa]tica|^fora do escrit[óo]rio/i,
  /^automatisch antwoord|^afwezig/i,
  /^autosvar|^fr[åa]nvaro|^poissa|^automaattinen vastaus/i,
];

export type HeaderLookup = (name: string) => string | undefined;

export function autoReplyReason(header: HeaderLookup, subject: string | undefined): string | null {
  const autoSubmitted = header('auto-submitted')?.trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return `Auto-Submitted: ${autoSubmitted}`;
  if (header('x-autoreply') !== undefined) return 'X-Autoreply';
  if (header('x-autorespond') !== undefined) return 'X-Autorespond';
  const precedence = header('precedence')?.trim().toLowerCase();
  if (precedence === 'auto_reply') return 'Precedence: auto_reply';
  const stripped = (subject ?? '').replace(SUBJECT_PREFIX, '').trim();
  if (AUTO_SUBJECTS.some((pattern) => pattern.test(stripped))) return `Subject: ${stripped.slice(0, 80)}`;
  return null;
}
