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

/** Null when ready; else why not: the database, a migration this build expects, or a stuck background loop. */
async function notReadyBecause(deps: AppDeps): Promise<string | null> {
  const database = await databaseAnswers(deps);
  if (database !== null) return database;
  if (!schemaCurrent.has(deps.store)) {
    const pending = await pendingMigrations(deps.store.db);
    if (pending.length > 0) return `migrations pending: ${pending.join(', ')} (run \`stepwise migrate\`)`;
    schemaCurrent.add(deps.store);
  }
  const stuck = staleLoops();
  return stuck.length > 0 ? `background loop not running: ${stuck.join(', ')}` : null;
}

async function databaseAnswers(deps: AppDeps): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      pingDatabase(deps.store.db).then(
        () => null,
        (error: unknown) => (error instanceof Error ? error.message : String(error)) || 'query failed',
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

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
          '`detail` (a load balancer stops sending requests here meanwhile).',
        response: { 200: ReadySchema, 503: ReadySchema },
      },
    },
    async (_request, reply) => {
      const failure = await notReadyBecause(deps).catch((error: unknown) => String(error));
      if (failure === null) return { status: 'ready' as const, database: deps.store.dialect };
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ status: 'unavailable' as const, database: deps.store.dialect, detail: failure });
    },
  );
}
