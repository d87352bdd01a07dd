import type { MessageView } from './message.ts';

/**
 * Challenge-response systems (SpamArrest, Boxbe, Mailblocks, cPanel BoxTrapper and home-grown ones) hold the
 * message until the sender proves to be a person. Not a reply and not a bounce: the email is waiting.
 */

const CHALLENGE_WORDS =
  /(verify|confirm|prove) (that )?(you are|you're) (a )?(human|real person|not a (robot|spammer|machine))|(sender|e-?mail) verification (request|required)|(challenge[- ]response|anti-?spam (verification|protection) system|spam ?arrest|boxbe|mailblocks|boxtrapper|spam ?cop verification)|(held|queued|pending|waiting) (for|until) (your )?(verification|approval|confirmation)|click (on )?(the|this) link (below )?to (verify|confirm|release|have your (message|e-?mail) delivered)|add (yourself|your address) to (my|the) (approved|guest|white) ?list|whitelist|approved senders list/i;

export function challengeSignal(view: MessageView): string | null {
  const text = `${view.subject}\n${view.body.slice(0, 4000)}`;
  const match = CHALLENGE_WORDS.exec(text);
  return match ? match[0].slice(0, 80) : null;
}
