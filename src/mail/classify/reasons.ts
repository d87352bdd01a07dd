import type { BounceReason } from './types.ts';

/**
 * Why a delivery failed, from the server's own words (any MTA, several languages) and, when the words say
 * nothing known, from the enhanced status code (RFC 3463). The order matters: specific causes (SPF/DKIM
 * failure, missing PTR, a full mailbox) are tried before broad ones (blocked, rejected, filtered).
 */

const TEXT_RULES: ReadonlyArray<readonly [BounceReason, RegExp]> = [
  [
    'expired',
    /(in the|in queue|the) queue too long|too long in (the )?queue|retry time(out)? (not reached|exceeded)|(delivery|message) (time )?expired|envelope expired|deferred:/i,
  ],
  [
    'authfailure',
    /\b(spf|dkim|dmarc)\b.{0,40}\b(fail|check|polic|reject|not pass|alignment|authenticat)|authentication (is )?required by|unauthenticated email|5\.7\.2[67]\b.{0,30}(spf|dkim|dmarc|authenticat)|does not pass (spf|dkim|dmarc)|authentication checks? (failed|did not pass)|sender (is )?not authenticated|message failed (spf|dkim|dmarc)/i,
  ],
  [
    'requireptr',
    /\b(ptr|rdns|reverse[ -]?(dns|lookup|mapping|hostname))\b|\bno ptr\b|cannot find your hostname|cannot resolve your (address|hostname)|client host .{0,80} (has no|without) (a )?(ptr|reverse|valid hostname)|ip name lookup failed|hostname of your (mail )?server|not have a (valid )?(reverse|ptr)|unresolvable (relay )?host ?name|5\.7\.25\b/i,
  ],
  [
    'rejected',
    /sender (address )?(rejected|denied|refused|verify failed|verification failed|blocked|not (allowed|accepted))|(domain of sender( address)?|sender('s)? domain)\b.{0,40}(does not exist|not found|unknown|must resolve|rejected|does not resolve)|\b5\.1\.[78]\b|\[mail_from\]|(not have|don't have|do not have) permission to post|not allowed to post|only members (can|may) post|not a member of (the|this) (list|group|ml)/i,
  ],
  [
    'notcompliantrfc',
    /rfc ?(2822|5322|5321|822|1035)[ -]?(complian|violation|requirement|standard|section)|(not|non)[ -]?(rfc[ -]?\d*[ -]?)?complian|duplicate (header|(from|to|subject|date|message-id) field)|multiple (addresses in )?(from|sender) (header|field)|bare linefeed|header (field )?(is )?(missing|malformed|invalid)|messages? (with|have) multiple/i,
  ],
  [
    'virusdetected',
    /\bvirus|malware|infected|trojan|worm detected|contains? (a )?harmful|dangerous attachment/i,
  ],
  [
    'spamdetected',
    /\bspam\b(?! ?(block|bl\b|haus|cop|trap))|junk mail|bulk (mail|e-?mail)|unsolicited|detected as (spam|junk)|content (filter )?(rejected|score)|message (was )?(classified|considered|identified) as|high (spam|probability)|listed in .{0,20}(uribl|surbl|dbl)|url .{0,20}blacklisted/i,
  ],
  [
    'badreputation',
    /reputation|(ip|domain) (has a )?poor|sender score|low quality (ip|sender)|\[ts0[0-9]\]/i,
  ],
  [
    'toomanyconn',
    /too many (connections|concurrent|simultaneous|sessions|hosts)|too many recipients(?! per)|connection (count|limit) (exceeded|reached)|concurrency limit|threshold exceeded/i,
  ],
  [
    'speeding',
    /(rate|sending) (limit|exceeded|too high)|too many (messages|mails|emails|recipients per)|(receiving|sending) mail at a rate|try again later.{0,30}rate|throttl|frequency/i,
  ],
  [
    'mesgtoobig',
    /(message|mail|email|size|data|attachment)s? (is |was )?(too (big|large|long)|exceeds?( the)? (max(imum)?|size|allowed))|too (big|large) (for|to)|message size (exceeds|too large)|exceeds? (the )?(maximum|size limit|message size)|5\.3\.4\b|552 .{0,40}size|(mail|message) size limit/i,
  ],
  [
    'mailboxfull',
    /mail ?box (is )?(full|over ?(quota|limit)|size limit|exceeds)|over ?quota|quota (exceeded|exceed|full|limit)|exceed(s|ed)? .{0,20}quota|(disk|storage) (space|quota)|not enough (disk )?(space|storage)|insufficient (disk |system )?(space|storage)|no space left|user(?:'s)? (mailbox|account) (is )?full|(inbox|mailbox|account) (is )?(full|over)|too many messages in|full mailbox|mail ?folder (is )?full|messages in (the )?(recipient'?s? )?mail ?box exceeded|mailbox size limit|boîte .{0,20}pleine|postfach .{0,20}voll|メールボックスが一杯|容量|Почтовый ящик переполнен|ящик.{0,20}переполнен/i,
  ],
  [
    'suspend',
    /you tried to reach (is )?(disabled|suspended|inactive|deactivated)|(account|mailbox|address|user) (is |has been |was )?(disabled|suspended|inactive|deactivated|locked|frozen|expired|blocked by (the )?administrator|not active|on hold)|(disabled|suspended|inactive|deactivated) (user|account|mailbox|recipient)|recipient (account )?(suspended|disabled)|temporarily (disabled|suspended|unavailable)|mailbox (temporarily )?(disabled|unavailable \(inactive\))|user(s)? account is disabled|not (an )?active (user|account)|account.{0,20}(has|have) been (disabled|suspended)/i,
  ],
  [
    'hasmoved',
    /has (been )?moved|no longer (valid|available|with|active)|(user|recipient|address) has left|forwarding address|5\.1\.6\b|changed (his|her|their) (e-?mail )?address/i,
  ],
  ['filtered', /(refused|rejected) (due to|because of) (the )?recipient('s)? (preferences|settings)/i],
  [
    'userunknown',
    /(user|recipient|mailbox|account|address|addressee|local part|destination)( name| address)? (is )?(unknown|not (found|known|exist|valid|available|listed|recognized)|does(n't| not) exist|invalid|unavailable|rejected|doesnt exist)|unknown (user|recipient|mailbox|local[ -]?part|address|account|addressee|e-?mail)|no (such|valid) (user|recipient|mailbox|account|address|person|local user)|(invalid|bad|illegal|non-?existent|unrouteable|unroutable) (recipient|mailbox|user|address|destination|local part)|recip(ient)?notfound|recipient address rejected: access denied|recipient (address )?rejected: (user|access|undeliverable)|not a (known|valid) (user|recipient|mailbox)|is not a valid (mailbox|user|recipient)|no mailbox (here|by)|mailbox (name )?not (allowed|available|found)|user (doesn't|does not) have (a|an)? ?.{0,20}account|does not have an account|email (account|address) (that )?you tried to reach does not exist|address (is )?(no longer|not) (valid|in use)|user not (found|listed|here)|this user doesn't have|invalid (final )?(delivery )?userid|check if (the )?address is correct|can't (find|locate) (user|recipient|mailbox)|the recipient's e-?mail address was not found|not listed in (the )?(public name|domino directory|address book)|there is no (such )?(user|mailbox|one)|(utilisateur|destinataire) inconnu|unbekannte?r? (empfänger|benutzer)|existiert nicht|desconocido|inexistente|ユーザ.{0,10}(存在|不明)|宛先.{0,10}(存在|不明)|Нет такого|не существует|несуществующ|5\.1\.1\b|#5\.1\.1|550[ -]5\.1\.1/i,
  ],
  [
    'notaccept',
    /null mx|doesn't receive (e-?)?mail|does not receive (e-?)?mail|does not accept (any )?(e-?)?mail|accepts? no mail|not accepting (e-?)?mail|5\.1\.10\b|5\.7\.27\b/i,
  ],
  [
    'networkerror',
    /host not found, try again|temporary (dns|lookup|name resolution) failure|servfail|malformed or unexpected name server reply/i,
  ],
  [
    'hostunknown',
    /(host|domain|mx|dns)( name)? (not found|unknown|lookup failed|does(n't| not) exist|could not be (resolved|found))|unknown (host|domain|mx)|no (mx|dns|such (host|domain)|a record)|(host|domain) (is )?(invalid|unresolvable|not resolvable)|unrouteable (mail )?domain|name (service|server) (error|failure)|nxdomain|dns (error|failure)|domain .{0,40}(isn't|is not|doesn't|does not) (exist|accept|resolve)|no route to host for|domain (is )?not reachable|(?<![@\w.-])[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}:? (does not exist|not found)|unable to (resolve|find) (the )?(host|domain|mx)|(account or )?domain may not exist|5\.1\.2\b|5\.4\.4\b/i,
  ],
  [
    'norelaying',
    /relay(ing)? (access )?(denied|not (permitted|allowed))|(not|unable to) relay|no relaying|not permitted to relay|relay not permitted|we do not relay/i,
  ],
  [
    'syntaxerror',
    /syntax (error|illegal)|malformed (address|recipient|command)|invalid (address )?syntax|command (not )?(recognized|unrecognized)|bad (address )?syntax|5\.5\.[24]\b|(501|500)[ -]/i,
  ],
  [
    'expired',
    /(delivery|message|envelope|mail) (time|has )?expired|expired after|retry (time|timeout) (not reached|exceeded)|(could not|unable to|couldn't) (be )?deliver(ed)? .{0,40} (for|within|after) (the )?(past|last)? ?\d+ (hour|day|minute)|undeliverable for \d+ day|(still|has been) (undelivered|delayed|queued)|has been delayed|will be retried|give up|gave up|giving up|too long in (the )?queue|timed? ?out waiting|4\.4\.7\b|5\.4\.7\b/i,
  ],
  [
    'networkerror',
    /(connection|connect\(\)|network) (refused|timed? ?out|reset|lost|error|failed|closed)|timed? ?out|could not connect|unable to connect|host (is )?unreachable|not reachable|no route to host|mail loop|loops? (back|detected)|too many hops|hop count|routing loop|lost connection|broken pipe|tls (negotiation|handshake) failed|5\.4\.[6-8]\b|4\.4\.[1-3]\b/i,
  ],
  [
    'policyviolation',
    /\bpolicy\b|policies|content presents a potential\b|not allowed by|prohibited|forbidden|(attachment|file) (type|extension) (is )?(not allowed|blocked|prohibited)|5\.7\.9\b|content (not )?allowed/i,
  ],
  [
    'securityerror',
    /\b(tls|ssl|starttls|encryption|certificate)\b.{0,40}(required|fail|must|invalid)|5\.7\.(4|5|6|11)\b|security (error|violation)|\bauthentication required\b(?! by)/i,
  ],
  [
    'blocked',
    /\b(service refus(e|ed)|blocked|blacklist(ed)?|blocklist(ed)?|block ?list|black ?list|denylist|listed (at|in|on)|dnsbl|\brbl\b|spamhaus|spamcop|barracuda|sorbs|access (denied|refused)|connection (rejected|refused) (from|by)|banned|not authori[sz]ed to (send|connect)|your (ip|host|server|network).{0,40}(reject|block|denied|not allowed|listed)|client (host|ip) .{0,40}(reject|block|denied))/i,
  ],
  [
    'rejected',
    /sender (address )?(rejected|denied|refused|verify failed|unknown|blocked|not (allowed|accepted))|(domain of sender|sender domain|sender's domain).{0,40}(does not exist|not found|unknown|must resolve|rejected)|(reject|refus|den)ied (your|the) (sender|mail from)|mail from .{0,30} (rejected|refused)|envelope sender|not accepted from|from address .{0,20}(invalid|rejected)|5\.1\.[078]\b|bad sender/i,
  ],
  [
    'filtered',
    /filter(ed)?|(refused|rejected|not delivered) by (the )?(recipient|user|receiver)|(recipient|user) (has )?(refused|rejected|blocked)|content (rejected|refused)|message (has been )?(rejected|refused)|not authori[sz]ed to (receive|accept)|does not (want|wish) to receive|doesn't accept|receiving (has been )?(denied|restricted)|restricted (recipient|user)/i,
  ],
  [
    'contenterror',
    /content (error|encoding|type)|media (error|type|not supported)|mime|encoding (error|problem)|invalid (content|character|header)|8[- ]?bit|5\.6\.\d\b/i,
  ],
  [
    'mailererror',
    /mailer (error|failure)|command (died|failed|output)|pipe to|\|\/|exit (code|status)|procmail|maildrop|x-unix|unknown mailer|local delivery failed/i,
  ],
  [
    'systemerror',
    /system (error|failure|config)|(server|internal|local|operating system|configuration) error|temporary (failure|error|problem)|service (is )?(currently |temporarily )?(unavailable|not available)|try again later|resources? (temporarily )?unavailable|i\/o error|server (is )?(busy|too busy|shutting down)|out of memory/i,
  ],
];

/** The enhanced status code's detail → reason (used when the words are not recognised). */
const STATUS_REASONS: Readonly<Record<string, BounceReason>> = {
  '1.1': 'userunknown',
  '1.2': 'hostunknown',
  '1.3': 'userunknown',
  '1.4': 'userunknown',
  '1.5': 'userunknown',
  '1.6': 'hasmoved',
  '1.7': 'rejected',
  '1.8': 'rejected',
  '1.9': 'systemerror',
  '1.10': 'notaccept',
  '2.0': 'mailboxfull',
  '2.1': 'suspend',
  '2.2': 'mailboxfull',
  '2.3': 'exceedlimit',
  '2.4': 'systemerror',
  '3.0': 'systemerror',
  '3.1': 'mailboxfull',
  '3.2': 'systemerror',
  '3.3': 'systemerror',
  '3.4': 'mesgtoobig',
  '3.5': 'systemerror',
  '4.0': 'networkerror',
  '4.1': 'networkerror',
  '4.2': 'networkerror',
  '4.3': 'networkerror',
  '4.4': 'hostunknown',
  '4.5': 'networkerror',
  '4.6': 'networkerror',
  '4.7': 'expired',
  '5.0': 'syntaxerror',
  '5.1': 'syntaxerror',
  '5.2': 'syntaxerror',
  '5.3': 'syntaxerror',
  '5.4': 'syntaxerror',
  '5.5': 'syntaxerror',
  '6.0': 'contenterror',
  '6.1': 'contenterror',
  '6.2': 'contenterror',
  '6.3': 'contenterror',
  '6.4': 'contenterror',
  '6.5': 'contenterror',
  '7.0': 'blocked',
  '7.1': 'blocked',
  '7.2': 'policyviolation',
  '7.3': 'securityerror',
  '7.4': 'securityerror',
  '7.5': 'securityerror',
  '7.6': 'securityerror',
  '7.7': 'securityerror',
  '7.8': 'securityerror',
  '7.9': 'policyviolation',
  '7.10': 'securityerror',
  '7.11': 'securityerror',
  '7.12': 'securityerror',
  '7.13': 'suspend',
  '7.14': 'securityerror',
  '7.15': 'securityerror',
  '7.16': 'mesgtoobig',
  '7.17': 'suspend',
  '7.18': 'suspend',
  '7.20': 'authfailure',
  '7.21': 'authfailure',
  '7.22': 'authfailure',
  '7.23': 'authfailure',
  '7.24': 'authfailure',
  '7.25': 'requireptr',
  '7.26': 'authfailure',
  '7.27': 'notaccept',
};

/** Words that name the part of the exchange, not the cause, and links (which may name anything). */
function clean(text: string): string {
  // The code a multi-line reply repeats on each continuation line ("552-5.7.0 ") would split its sentences.
  let replyLine = 0;
  return text
    .replace(/(^|\s)[245]\d\d-([245]\.\d{1,3}\.\d{1,3}[ \t])?/g, (code, space: string) =>
      replyLine++ === 0 ? code : space,
    )
    .replace(/https?:\/\/\S+/gi, ' ')
    .replace(/recipient address rejected:\s*(?=\S)(?!access denied)/gi, '')
    .replace(/\brfc822;/gi, ' ')
    .replace(/[ \t]*\n[ \t]*/g, ' ');
}

export function reasonFromText(text: string): BounceReason | null {
  const words = clean(text);
  if (!words.trim()) return null;
  for (const [reason, pattern] of TEXT_RULES) if (pattern.test(words)) return reason;
  return null;
}

export type SmtpCommand = 'connect' | 'helo' | 'mail' | 'rcpt' | 'data';

/** Which SMTP command the remote server rejected, when the report says so. */
export function rejectedCommand(text: string): SmtpCommand | null {
  const named =
    /in\s+reply\s+to\s+(?:end\s+of\s+)?(DATA|RCPT\s+TO|MAIL\s+FROM|HELO|EHLO)|after (?:end of )?(data|rcpt to|mail from|helo|ehlo)|smtp command\s*:?\s*\n?\s*-*\s*(DATA|RCPT|MAIL|HELO|EHLO)\b|\[(MAIL_FROM|RCPT_TO|DATA)\]/i.exec(
      text,
    );
  const word = named?.slice(1).find(Boolean);
  if (word) return commandOf(word);
  // A Sendmail-style transcript: the last command sent before the first 4xx/5xx reply.
  let last: string | null = null;
  for (const line of text.split('\n')) {
    const sent = /^[\s>]*>>>\s*(DATA|RCPT|MAIL|HELO|EHLO)\b/i.exec(line);
    if (sent) last = sent[1] as string;
    else if (last && /^[\s>]*<<<\s*[45]\d\d/.test(line)) return commandOf(last);
  }
  return null;
}

function commandOf(word: string): SmtpCommand {
  const upper = word.toUpperCase();
  if (upper.startsWith('DATA')) return 'data';
  if (upper.startsWith('RCPT')) return 'rcpt';
  if (upper.startsWith('MAIL')) return 'mail';
  return 'helo';
}

export function reasonFromStatus(status: string | null): BounceReason | null {
  if (!status) return null;
  const [, subject, detail] = status.split('.');
  if (subject === '0' && detail === '0') return null;
  return STATUS_REASONS[`${subject}.${detail}`] ?? null;
}

/** Pseudo status for reports without a code (the x.0.9xx convention of the open parsers). */
const PSEUDO: Partial<Record<BounceReason, string>> = {
  onhold: '901',
  filtered: '910',
  userunknown: '911',
  hostunknown: '912',
  rejected: '918',
  suspend: '921',
  mailboxfull: '922',
  systemerror: '930',
  notaccept: '932',
  mesgtoobig: '934',
  mailererror: '939',
  networkerror: '944',
  expired: '947',
  blocked: '971',
  requireptr: '973',
  spamdetected: '980',
  syntaxerror: '902',
};

export function pseudoStatus(reason: BounceReason, temporary: boolean): string {
  const detail = PSEUDO[reason];
  return `${temporary ? '4' : '5'}.0.${detail ?? '900'}`;
}

const HARD_REASONS: ReadonlySet<BounceReason> = new Set([
  'userunknown',
  'hostunknown',
  'hasmoved',
  'notaccept',
]);

/** A hard bounce: the address itself is permanently bad (not the message, the sender or a full mailbox). */
export function isHard(reason: BounceReason, status: string): boolean {
  return HARD_REASONS.has(reason) && !status.startsWith('4');
}

/**
 * Reason for a failure: the words (the first text that says something known), then the status code. The SMTP
 * phase refines it: an "unknown user" answer to the message data comes from a filter rather than a missing
 * mailbox (the address may well exist), and a rejection of MAIL FROM is about our sender, not the recipient.
 */
const USER_STATUS = /^[45]\.1\.[1-4]$/;

/**
 * Wordings in which a server's own notice (not a relayed SMTP reply) says the mailbox does not exist: these
 * stay "unknown user" whatever the SMTP phase (Exchange, IMail, Domino, Trend Micro, Yahoo, Gmail, Verizon).
 */
const MAILBOX_VERDICT =
  /recipient name is not recognized|^\s*unknown user:|invalid final delivery userid|check if (the )?address is correct|user doesn't have an? .{0,40}account|address not found|address couldn't be found|not listed in (the )?public name (&|and) address book|no mailbox here by that name/im;

export function bounceReason(texts: Array<string | null>, status: string | null): BounceReason {
  let reason: BounceReason | null = null;
  for (const text of texts) {
    reason = text ? reasonFromText(text) : null;
    if (reason) break;
  }
  // Words that say nothing known leave the failure "on hold" (sisimai's convention); no words at all, undefined.
  reason ??= reasonFromStatus(status) ?? (texts.some((text) => text?.trim()) ? 'onhold' : 'undefined');
  // x.2.3: the size is over a limit the recipient set, not the message being too big for any mailbox.
  if (reason === 'mesgtoobig' && /^[45]\.2\.3$/.test(status ?? '')) return 'exceedlimit';
  const command = rejectedCommand(texts.filter(Boolean).join('\n'));
  // "Unknown user" is only the mailbox's verdict when the server said so at RCPT or with a x.1.1-type code;
  // any other phase (or an unknown one) means a filter turned the message away, and the address may exist.
  // A report saying the remote server refused the address names the RCPT phase, unless its code says otherwise.
  const addressRefused =
    /server has rejected (the )?address/i.test(texts.join('\n')) && /^[45]\.0\.0$/.test(status ?? '');
  if (
    reason === 'userunknown' &&
    command !== 'rcpt' &&
    !addressRefused &&
    !USER_STATUS.test(status ?? '') &&
    !texts.some((text) => text && (MAILBOX_VERDICT.test(text) || MAILBOX_VERDICT.test(clean(text))))
  )
    return 'filtered';
  if (reason === 'hostunknown' && status?.startsWith('4')) return 'networkerror';
  if (
    command === 'mail' &&
    (reason === 'userunknown' || reason === 'hostunknown' || reason === 'undefined' || reason === 'onhold')
  )
    return 'rejected';
  return reason;
}
