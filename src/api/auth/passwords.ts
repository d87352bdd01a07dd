import argon2 from 'argon2';
import { passwordWeakness, personalWords } from '../../domain/password-policy.ts';
import { HttpProblem } from '../problems.ts';

/**
 * Passwords are hashed with argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane), salted per hash.
 * The hash string carries its parameters, so raising them later keeps old hashes verifiable.
 */
export const PASSWORD_HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, PASSWORD_HASH_OPTIONS);
}

let decoy: Promise<string> | undefined;

/**
 * Checks a password against a stored hash. With no hash (unknown email) it still spends the same work on a
 * decoy hash, so response time does not tell which emails have accounts.
 */
export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  if (!hash) {
    decoy ??= hashPassword('decoy-password-never-matches');
    await argon2.verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/**
 * The part of the password policy a schema cannot check: a new password must not lean on the person's own email
 * or name. Throws the same field-level `weak_password` problem as the schema does.
 */
export function refusePersonalPassword(
  password: string | undefined,
  person: { email: string; name: string },
  path: string[],
): void {
  if (password === undefined) return;
  const weakness = passwordWeakness(password, personalWords(person));
  if (!weakness) return;
  throw new HttpProblem(400, 'validation_failed', 'The request is not valid; see `problems`.', [
    { path, code: 'weak_password', message: weakness },
  ]);
}
