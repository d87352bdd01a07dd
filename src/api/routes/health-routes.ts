import { z } from 'zod';
import { staleLoops } from '../../engine/loop-health.ts';
import { pendingMigrations } from '../../store/migrate.ts';
import { pingDatabase } from '../../store/queries/directory-lookups.ts';
import type { ApiApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';

/** How long `/api/ready` waits for the database before answering "not ready". */
const READY_TIMEOUT_MS = 2_000;

const ReadySchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  database: z.enum(['sqlite', 'postgres']),
  detail: z.string().optional(),
});

/** Once a store's schema is current it stays so (migrations only move forward): checked until then. */
const schemaCurrent = new WeakSet<object>();

/** Why a process is not ready: `detail` is answered to anyone, `log` (the driver's words) goes to the server log. */
interface NotReady {
  detail: string;
  log?: string;
}

/** The database's own error names its host, port, role and database: for the server log, not for anyone asking. */
const DATABASE_FAILED = 'database query failed (see the server log)';

/** Null when ready; else why not: the database, a migration this build expects, or a stuck background loop. */
async function notReadyBecause(deps: AppDeps): Promise<NotReady | null> {
  const database = await databaseAnswers(deps);
  if (database !== null) return database;
  if (!schemaCurrent.has(deps.store)) {
    const pending = await pendingMigrations(deps.store.db);
    if (pending.length > 0) {
      return { detail: `migrations pending: ${pending.join(', ')} (run \`stepwise migrate\`)` };
    }
    schemaCurrent.add(deps.store);
  }
  const stuck = staleLoops();
  return stuck.length > 0 ? { detail: `background loop not running: ${stuck.join(', ')}` } : null;
}

async function databaseAnswers(deps: AppDeps): Promise<NotReady | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<NotReady>((resolve) => {
    timer = setTimeout(
      () => resolve({ detail: `no answer within ${READY_TIMEOUT_MS} ms` }),
      READY_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      pingDatabase(deps.store.db).then(
        () => null,
        (error: unknown) => ({ detail: DATABASE_FAILED, log: messageOf(error) }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const messageOf = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)) || 'query failed';

/** The last reason logged per store: a load balancer asks every few seconds, the log says each change once. */
const lastLogged = new WeakMap<object, string>();

export async function healthRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/health',
    {
      schema: {
        tags: ['system'],
        summary:
          'Liveness: the process is up and serving. It does not touch the database, so an orchestrator does not ' +
          'restart processes that are only waiting for the database to come back (see /api/ready).',
        response: { 200: z.object({ status: z.literal('ok'), database: z.enum(['sqlite', 'postgres']) }) },
      },
    },
    async () => ({ status: 'ok' as const, database: deps.store.dialect }),
  );

  app.get(
    '/api/ready',
    {
      schema: {
        tags: ['system'],
        summary:
          'Readiness: 200 when the database answers a query, its schema is current and the background loops this ' +
          'process runs (engine, mail) have made a round within 5 minutes; 503 otherwise, with the reason in ' +
          '`detail` (a load balancer stops sending requests here meanwhile). A database error is only named ' +
          'there as such; its text (host, role, database) goes to the server log.',
        response: { 200: ReadySchema, 503: ReadySchema },
      },
    },
    async (request, reply) => {
      const failure = await notReadyBecause(deps).catch(
        (error: unknown): NotReady => ({ detail: DATABASE_FAILED, log: messageOf(error) }),
      );
      const reason = failure === null ? '' : `${failure.detail}\n${failure.log ?? ''}`;
      if (lastLogged.get(deps.store) !== reason && (reason !== '' || lastLogged.has(deps.store))) {
        lastLogged.set(deps.store, reason);
        if (failure === null) request.log.info('ready again');
        else
          request.log.warn(
            { detail: failure.detail, cause: failure.log },
            `not ready: ${failure.log ?? failure.detail}`,
          );
      }
      if (failure === null) return { status: 'ready' as const, database: deps.store.dialect };
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ status: 'unavailable' as const, database: deps.store.dialect, detail: failure.detail });
    },
  );
}
