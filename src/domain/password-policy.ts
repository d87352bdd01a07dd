import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * The password policy for every new password: at least 12 characters, and not guessable from lists of common
 * and breached passwords, keyboard walks, repeats, sequences and dates (zxcvbn-ts with its common dictionary,
 * score 3 of 4 or better: about 10^8 guesses or more).
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MIN_SCORE = 3;
/** zxcvbn's cost grows with length; the first 100 characters decide (a longer password is not weaker). */
const CHECKED_LENGTH = 100;

let factory: ZxcvbnFactory | undefined;
const estimator = () => {
  factory ??= new ZxcvbnFactory({ graphs: adjacencyGraphs, dictionary });
  return factory;
};

const WARNINGS: Record<string, string> = {
  common: 'It is one of the most common passwords.',
  commonNames: 'It is built on a common name.',
  namesByThemselves: 'A name by itself is easy to guess.',
  userInputs: 'It contains your name or email.',
  similarToCommon: 'It is very close to a common password.',
  topHundred: 'It is one of the hundred most common passwords.',
  topTen: 'It is one of the ten most common passwords.',
  straightRow: 'It is a row of keys on the keyboard.',
  keyPattern: 'It is a short keyboard pattern.',
  simpleRepeat: 'It repeats a few characters.',
  extendedRepeat: 'It repeats a pattern.',
  sequences: 'It is a simple sequence such as abc or 1234.',
  recentYears: 'It relies on a recent year.',
  dates: 'It relies on a date.',
  wordByItself: 'A single word is easy to guess.',
};

/**
 * Why a password of acceptable length is too easy to guess, as one English sentence for the field; null when
 * it is strong enough. `userInputs` (email, name) count as known words.
 */
export function passwordWeakness(password: string, userInputs: string[] = []): string | null {
  const result = estimator().check(password.slice(0, CHECKED_LENGTH), userInputs);
  if (result.score >= PASSWORD_MIN_SCORE) return null;
  const why = (result.feedback.warning && WARNINGS[result.feedback.warning]) || 'It is easy to guess.';
  return `Choose a stronger password: ${why} A few unrelated words or a password manager's suggestion work well.`;
}

/** Words of a person's email and name, which their password must not lean on (passed to `passwordWeakness`). */
export function personalWords(person: { email: string; name: string }): string[] {
  const email = person.email.trim().toLowerCase();
  const local = email.split('@')[0] ?? '';
  const name = person.name.trim().toLowerCase();
  const words = [email, local, name, ...local.split(/[._+-]+/), ...name.split(/\s+/)];
  return [...new Set(words.filter((word) => word.length >= 3))];
}
