import { z } from 'zod';
import { newestNotificationId } from '../../store/repos/notification-stream-repo.ts';
import { countUnread } from '../../store/repos/notifications-repo.ts';
import type { ApiApp } from '../app.ts';
import { credentialStillValid, requireActor } from '../auth/authenticate.ts';
import type { AppDeps } from '../deps.ts';
import { ProblemSchema } from '../problems.ts';

/** How often the stream looks for a new notification; any process may have written it (API, worker, IMAP). */
const CHECK_MS = 1000;
const HEARTBEAT_MS = 15_000;
/** Every this many checks (and before any event) the stream asks whether its session or token still holds. */
const CREDENTIAL_CHECK_EVERY = 5;

/**
 * Notifications live, as server-sent events: `event: notification` with the unread count whenever a new one
 * arrives for you (a reply, a held email), so open pages (bell, work list, Up next, conversation) refresh without
 * a reload. The stream ends after `max` seconds (default 300; proxies dislike endless responses) and the
 * browser's EventSource reconnects by itself after `retry`.
 */
export async function notificationStreamRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  /** Open streams end when the server shuts down, so they never hold up a graceful stop. */
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });
  app.get(
    '/api/notifications/stream',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Your notifications as server-sent events (text/event-stream)',
        querystring: z.object({ max: z.coerce.number().int().min(0).max(3600).default(300) }),
        response: { 401: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const db = deps.store.db;
      let newest = await newestNotificationId(db, actor.orgId, actor.userId);
      const unread = await countUnread(db, actor.orgId, actor.userId);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ unread })}\n\n`);
      let closed = false;
      let checking = false;
      let checks = 0;
      const timers: NodeJS.Timeout[] = [];
      const close = () => {
        if (closed) return;
        closed = true;
        open.delete(close);
        for (const timer of timers) clearInterval(timer);
        raw.end();
      };
      open.add(close);
      request.raw.on('close', close);
      if (request.query.max === 0) return close();
      timers.push(
        setInterval(async () => {
          if (closed || checking) return;
          checking = true;
          try {
            checks++;
            const latest = await newestNotificationId(db, actor.orgId, actor.userId);
            const arrived = latest !== null && latest !== newest;
            // Signed out, token revoked or expired, user deactivated: the stream ends, telling nothing more.
            if (
              (arrived || checks % CREDENTIAL_CHECK_EVERY === 0) &&
              !(await credentialStillValid(deps, request))
            ) {
              close();
              return;
            }
            if (latest && arrived) {
              newest = latest;
              const count = await countUnread(db, actor.orgId, actor.userId);
              if (!closed)
                raw.write(`event: notification\ndata: ${JSON.stringify({ unread: count, id: latest })}\n\n`);
            }
          } catch (error) {
            request.log.warn({ err: error }, 'notification stream check failed');
          } finally {
            checking = false;
          }
        }, CHECK_MS),
        setInterval(() => {
          if (!closed) raw.write(': keep-alive\n\n');
        }, HEARTBEAT_MS),
        setTimeout(close, request.query.max * 1000),
      );
    },
  );
}
