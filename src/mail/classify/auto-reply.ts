import type { MessageView } from './message.ts';

/**
 * Automatic replies (RFC 3834): out of office, vacation, auto-responders. They are kept on the timeline but are
 * not replies. Signals, strongest first: `Auto-Submitted` (anything but `no`), the vendor headers
 * (`X-Autoreply`, `X-Autorespond`, Apple's `X-Apple-Action: VACATION`, Exchange's inbox-rule loop marker),
 * `Precedence: auto_reply`, the usual subjects in many languages, and out-of-office wording when a weak header
 * signal (`Precedence: bulk/junk`, the null return path, `X-Auto-Response-Suppress`) agrees.
 */

const SUBJECT_PREFIX = /^\s*((re|aw|odp|sv|vs|antw|wg|fw|fwd|r|tr|rv|res|ynt|ha|回复|答复)\s*:\s*)+/i;

const AUTO_SUBJECTS =
  /^(auto:|auto(matic|matische|matyczna|matique|matisk|matisch|matico|mático|matikus|matická|maattinen)?[\s_-]*(reply|response|responder|antwort|odpowied[zź]|r[ée]ponse|svar|antwoord|risposta|respuesta|resposta|v[áa]lasz|odpov[ěe][ďd]|vastaus|answer)|out of (the )?office|ooo\b|away from (the |my )?(office|desk)|on (vacation|holiday|leave)|vacation( reply| message| notice)?\b|holiday (notice|reply)|i am (currently )?(out|away)|i'?m (currently )?(out|away)|abwesenheit(snotiz)?\s*(:|$|-|bis\b)|automatische antwort|nicht im b[üu]ro|ich bin (nicht|abwesend)|r[ée]ponse automatique|absence( du bureau)?\s*(:|$|-|jusqu)|absent(e)? du bureau|automatyczna odpowied[zź]|poza biurem|nieobecno[śs][ćc]|respuesta autom[áa]tica|fuera de la oficina|ausente\s*(:|$|-|hasta\b)|risposta automatica|fuori (ufficio|sede)|assente\s*(:|$|-|fino\b)|resposta autom[áa]tica|fora do escrit[óo]rio|aus[êe]ncia|automatisch antwoord|afwezig(heid)?(sbericht)?\s*(:|$|-|tot\b)|autosvar|fr[åa]nvar(o|ande)|frav[æa]r|poissa|automaattinen vastaus|lomalla|automatikus v[áa]lasz|automatick[áa] odpov[ěe][ďd]|r[ăa]spuns automat|otomatik (yan[ıi]t|cevap)|ofis d[ıi][şs][ıi]nda|автоответ|автоматический ответ|отсутств|нет на месте|в отпуске|αυτόματη απάντηση|自動応答|自動返信|自動回覆|自动回复|不在|休暇|自動応答メッセージ|자동 ?응답|부재)/i;

const OUT_OF_OFFICE_WORDS =
  /(out of (the )?office|on (vacation|holiday|annual leave|leave)|away from (the |my )?(office|desk|email)|limited access to (e-?mail|my e-?mail)|will (be )?(back|return(ing)?)|when i return|upon my return|nicht im b[üu]ro|abwesend|je suis absent|en cong[ée]|fuera de la oficina|de vacaciones|fuori ufficio|in ferie|afwezig|op vakantie|不在|休暇|отпуск)/i;

export function autoReplySignal(view: MessageView): string | null {
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
  const subject = view.subject.replace(SUBJECT_PREFIX, '').trim();
  if (AUTO_SUBJECTS.test(subject)) return `Subject: ${subject.slice(0, 80)}`;
  const weak =
    precedence === 'bulk' ||
    precedence === 'junk' ||
    view.returnPath === '' ||
    view.header('x-auto-response-suppress') !== undefined;
  if (weak && OUT_OF_OFFICE_WORDS.test(view.body.slice(0, 2000))) return 'out-of-office wording';
  return null;
}
