import type { MessageView } from './message.ts';

/**
 * Is this message written by a mail system rather than a person? System senders (MAILER-DAEMON, postmaster,
 * "Mail Delivery Subsystem", the null return path) and the subjects and wording of delivery failures in the
 * languages servers use. Checked before the reply path: a bounce must never be counted as a reply.
 */

const SYSTEM_LOCAL_PART =
  /^(mailer[-_]?daemon|mail[-_]?daemon|postmaster|post[-_]master|poostmaster|mdaemon|mail[-_]?delivery|mail[-_]?(delivery[-_]?)?system|double[-_]?bounce|bounces?|nobody|root|mailadmin|mail[-_]?administrator|no[-_]?reply-?(bounce|dsn))$/i;

const SYSTEM_NAME =
  /mail(er)?[- ]?daemon|mail delivery (subsystem|system|service)|mail deliver system|postmaster|mail administrator|system administrator|internet mail delivery|delivery status|e-?mail interconnect|mail system|content[- ]filter/i;

/** A mailing-list manager writing about a post (fml, Mailman, Google Groups): its notices are system mail. */
export function isListManager(view: MessageView): boolean {
  if (view.header('x-mlserver') !== undefined || view.header('x-ml-server') !== undefined) return true;
  const local = view.fromAddress.split('@')[0] ?? '';
  return /-(admin|owner|request|bounces?)$|^(fml|majordomo|listserv|mailman|sympa|ezmlm)/i.test(local);
}

export function isSystemSender(view: MessageView): boolean {
  if (view.returnPath === '' && view.header('auto-submitted') === undefined) return true;
  const local = view.fromAddress.split('@')[0] ?? '';
  if (SYSTEM_LOCAL_PART.test(local) || view.fromAddress === '' || view.fromAddress === 'mailer-daemon')
    return true;
  return SYSTEM_NAME.test(view.fromName);
}

export const BOUNCE_SUBJECT =
  /undeliver|undelivered|not delivered|returned mail|returning message|returned to sender|delivery (status )?(notification|failure|failed|has failed|report|problem)|mail delivery failed|failure notice|failed delivery|failure delivery|delivery failure|could not be delivered|message not delivered|mail (system )?error|error sending|mail failure|non[- ]?deliver|non remis|unzustellbar|nicht zustellbar|non recapitabile|no se puede entregar|no entregado|onbestelbaar|niedostarczalna|não entregue|недоставлен|не доставлено|не может быть доставлено|メールエラー|配信エラー|配送エラー|送信エラー|未達|届きませんでした|退信|系统退信|unable to deliver|delivery notification|mail could not|see transcript|postmaster notify|message you sent blocked|delivery status|rejected|bounce/i;

export const BOUNCE_WORDING =
  /(could not|couldn't|can ?not|can't|was not|wasn't|unable to|failed to) (be )?deliver|deliver(y|ing) (to the following (recipient|address)e?s? )?(has |have )?failed|delivery (has )?(failed|failure)|undeliverable|undelivered|permanent (fatal )?error|not (be )?delivered|(was|were|been) rejected|failed permanently|following (address|recipient)(e?s)?(\(es\))? (had|failed)|returned to (the )?sender|this is the mail system at|wasn't able to deliver|fatal errors?|mail delivery failed|message (could not|cannot|can't) be|delivery to the following|did not reach|unable to deliver|user unknown|no such user|invalid user|no valid recipients|failed addresses|error message below|there was an error sending|not a member of|only members (can|may) post|not allowed to post|permission to post|rejected by (the )?(mailing )?list|error(s)? (occurred|encountered) (while|during)|was automatically rejected|transcript of session|remote host said|smtp error|the following (message|recipients?)|ne peut pas être remis|konnte nicht zugestellt|non è stato possibile|no se (ha )?pudo entregar|не (удалось|может быть) доставить|не доставлено|送信できませんでした|配信できませんでした|届きませんでした|宛先不明|エラー/i;
