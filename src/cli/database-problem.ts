import { isDatabaseUnavailable } from '../store/db-errors.ts';

/** PostgreSQL and SQLite errors that say DATABASE_URL (or its TLS settings) does not lead to a usable database. */
const SETUP_CODES = new Set([
  '28P01', // invalid_password
  '28000', // invalid_authorization_specification (no pg_hba.conf entry, unknown role)
  '3D000', // invalid_catalog_name: the database does not exist
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);
const SETUP_MESSAGES = ['does not support SSL', 'unable to open database file'];

interface Chained {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error (or one of its causes) that says the database cannot be used, or null. */
function rootProblem(error: unknown): Chained | null {
  for (let current = error as Chained | null, depth = 0; current && depth < 4; depth++) {
    const code = typeof current.code === 'string' ? current.code : '';
    const message = typeof current.message === 'string' ? current.message : '';
    if (SETUP_CODES.has(code) || SETUP_MESSAGES.some((text) => message.includes(text))) return current;
    if (isDatabaseUnavailable(current) && current.cause === undefined) return current;
    current = current.cause as Chained | null;
  }
  return isDatabaseUnavailable(error) ? (error as Chained) : null;
}

/** DATABASE_URL as it may be printed: the password replaced by `***`. */
export function redactedDatabaseUrl(url: string): string {
  if (!/^postgres(ql)?:/.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * A command that failed because the database of DATABASE_URL cannot be reached, does not exist or refuses the
 * credentials gets one line naming the variable (password hidden) and the server's reason, instead of a message
 * such as "Migration unknown failed: error: database "x" does not exist". Null for any other error.
 */
export function databaseProblem(error: unknown, databaseUrl: string | undefined): string | null {
  const problem = rootProblem(error);
  if (!problem) return null;
  const reason = typeof problem.message === 'string' && problem.message ? problem.message : String(problem);
  const where = databaseUrl ? ` (${redactedDatabaseUrl(databaseUrl)})` : '';
  return `Cannot use the database of DATABASE_URL${where}: ${reason}`;
}
