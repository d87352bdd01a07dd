import argon2 from 'argon2';

/**
 * Passwords are hashed with argon2id (the library's defaults: 64 MiB, 3 passes), salted per hash. The hash
 * string carries its parameters, so raising them later keeps old hashes verifiable.
 */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
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
