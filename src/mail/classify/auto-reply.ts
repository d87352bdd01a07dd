import type { MessageView } from './message.ts';

/**
 * Automatic replies (RFC 3834): out of office, vacation, auto-responders. They are kept on the timeline but are
 * not replies. Signals, strongest first: `Auto-Submitted` (anything but `no`), the vendor headers
 * (`X-Autoreply`, `X-Autorespond`, Apple's `X-Apple-Action: VACATION`, Exchange's inbox-rule loop marker),
 * `Precedence: auto_reply`, the usual subjects in many languages, and out-of-office wording when a weak header
 * signal (`Precedence: bulk/junk`, the null return path, `X-Auto-Response-Suppress`) agrees.
 * The subject counts only for the words the responder added: when the subject of the email we sent is known (after
 * matching), it is taken out first, so a reply to "Vacation rentals in Kraków" is not an out-of-office message.
 */

const SUBJECT_PREFIX = /^\s*((re|aw|odp|sv|vs|antw|wg|fw|fwd|r|tr|rv|res|ynt|ha|回复|答复)\s*:\s*)+/i;

const AUTO_SUBJECTS =
  /^(auto:|auto(matic|matische|matyczna|matique|matisk|matisch|matico|mático|matikus|matická|maattinen)?[\s_-]*(reply|response|responder|antwort|odpowied[zź]|r[ée]ponse|svar|antwoord|risposta|respuesta|resposta|v[áa]lasz|odpov[ěe][ďd]|vastaus|answer)|out of (the )?office|ooo\b|away from (the |my )?(office|desk)|on (vacation|holiday|leave)|vacation( reply| message| notice)?\b|holiday (notice|reply)|i am (currently )?(out|away)|i'?m (currently )?(out|away)|abwesenheit(snotiz)?\s*(:|$|-|bis\b)|automatische antwort|nicht im b[üu]ro|ich bin (nicht|abwesend|im urlaub|au(ß|ss)er haus)|au(ß|ss)er haus\b|urlaub\s*(:|$|-|bis\b)|abwesend\s*(:|$|-|bis\b)|automatische abwesenheit|r[ée]ponse automatique|absence( du bureau)?\s*(:|$|-|jusqu)|absent(e)? du bureau|absent(\(e\)|e)?\s*(:|$|-|jusqu)|message d['’]absence|en cong[ée]s?\b|je suis (absente?|en cong)|automatyczna odpowied[zź]|poza biurem|nieobecno[śs][ćc]|odpowied[zź] automatyczna|urlop\b|jestem na urlopie|respuesta autom[áa]tica|fuera de la oficina|ausente\s*(:|$|-|hasta\b)|risposta automatica|fuori (ufficio|sede)|assente\s*(:|$|-|fino\b)|resposta autom[áa]tica|fora do escrit[óo]rio|aus[êe]ncia|automatisch antwoord|afwezig(heid)?(sbericht)?\s*(:|$|-|tot\b)|autosvar|fr[åa]nvar(o|ande)|frav[æa]r|poissa|automaattinen vastaus|lomalla|automatikus v[áa]lasz|automatick[áa] odpov[ěe][ďd]|r[ăa]spuns automat|otomatik (yan[ıi]t|cevap)|ofis d[ıi][şs][ıi]nda|автоответ|автоматический ответ|отсутств|нет на месте|в отпуске|αυτόματη απάντηση|自動応答|自動返信|自動回覆|自动回复|不在|休暇|自動応答メッセージ|자동 ?응답|부재)/i;

const OUT_OF_OFFICE_WORDS =
  /(out of (the )?office|on (vacation|holiday|annual leave|leave)|away from (the |my )?(office|desk|email)|limited access to (e-?mail|my e-?mail)|will (be )?(back|return(ing)?)|when i return|upon my return|nicht im b[üu]ro|abwesend|im urlaub|au(ß|ss)er haus|je suis absent|en cong[ée]|serai de retour|de retour le|na urlopie|poza biurem|nieobecn[ya]|wr[óo]c[ęe] (do biura )?\d|fuera de la oficina|de vacaciones|fuori ufficio|in ferie|afwezig|op vakantie|不在|休暇|отпуск)/i;

/**
 * The subject without reply prefixes and without the subject of the email we sent (when known): the words the
 * other side added. Words of our own subject say nothing about what kind of message this is.
 */
export function ownSubject(subject: string, sentSubject: string | undefined): string {
  const stripped = subject.replace(SUBJECT_PREFIX, '').replace(/\s+/g, ' ').trim();
  const sent = sentSubject?.replace(/\s+/g, ' ').trim();
  // Only where answers put it: at the end ("Re: …", "Out of office: …", "Undeliverable: …").
  if (!sent || !stripped.toLowerCase().endsWith(sent.toLowerCase())) return stripped;
  return stripped.slice(0, stripped.length - sent.length).trim();
}

export function autoReplySignal(view: MessageView, sentSubject?: string): string | null {
  const autoSubmitted = view.header('auto-submitted')?.trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return `Auto-Submitted: ${autoSubmitted}`;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-vacation']) {
    if (view.header(name) !== undefined) return name;
  }
  if (/vacation|auto/i.test(view.header('x-apple-action') ?? '')) return 'X-Apple-Action';
  if (view.header('x-ms-exchange-inbox-rules-loop') !== undefined) return 'X-MS-Exchange-Inbox-Rules-Loop';
  if (/oof|autoreply/i.test(view.header('x-auto-response-suppress') ?? '')) return 'X-Auto-Response-Suppress';
  const precedence = view.header('precedence')?.trim().toLowerCase() ?? '';
  if (precedence === 'auto_reply') return 'Precedence: auto_reply';
  if (AUTO_SUBJECTS.test(ownSubject(view.subject, sentSubject)))
    return `Subject: ${ownSubject(view.subject, undefined).slice(0, 80)}`;
  const weak =
    precedence === 'bulk' ||
    precedence === 'junk' ||
    view.returnPath === '' ||
    view.header('x-auto-response-suppress') !== undefined;
  if (weak && OUT_OF_OFFICE_WORDS.test(view.body.slice(0, 2000))) return 'out-of-office wording';
  return null;
}
