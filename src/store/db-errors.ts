/**
 * Recognising database errors that are about the database's condition, not the request: the disk is full, or
 * the server cannot be reached. The API answers them with their own problem codes, and background loops use
 * them to log once and back off instead of failing the work they were doing.
 */

interface CodedError {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as CodedError | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  const message = (error as CodedError | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** SQLite's SQLITE_FULL, or PostgreSQL's disk_full (53100). */
export function isStorageFull(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'SQLITE_FULL' || code === '53100';
}

/** Node socket errors and PostgreSQL states that mean "the database is not there right now". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  '53300', // too_many_connections
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
  'Connection ended unexpectedly',
  'the database system is',
];

/** True when the error says the database cannot be reached (PostgreSQL down, restarting or unreachable). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = codeOf(current);
    if (code && UNAVAILABLE_CODES.has(code)) return true;
    const message = messageOf(current);
    if (UNAVAILABLE_MESSAGES.some((text) => message.includes(text))) return true;
    const nested = (current as CodedError).cause ?? (current as { errors?: unknown[] }).errors?.[0];
    current = nested;
  }
  return false;
}

/**
 * Codes with which PostgreSQL ends or refuses a session for a reason of its own, and says so: an administrator's
 * `pg_terminate_backend` or a shutdown (57P01), another server process's crash (57P02), starting up or in recovery
 * (57P03), too many connections (53300); and a server that could not be reached at all.
 */
const ENDED_BY_DATABASE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * True when the database ended the session (or never opened it) for a reason outside the work it was doing, and
 * said so (see `ENDED_BY_DATABASE_CODES`; the pool attaches a session's reason as the `cause` of the errors that
 * follow it, src/store/nul-guard.ts). A session that merely vanished ("Connection terminated unexpectedly" with
 * no reason, a reset) is NOT: its own statement may have crashed the server process. The engine charges a task
 * an attempt for the one and not for the other.
 */
export function isEndedByDatabase(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = codeOf(current);
    if (code && ENDED_BY_DATABASE_CODES.has(code)) return true;
    if (messageOf(current).includes('timeout exceeded when trying to connect')) return true;
    current = (current as CodedError).cause ?? (current as { errors?: unknown[] }).errors?.[0];
  }
  return false;
}
