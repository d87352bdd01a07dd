import { z } from 'zod';
import { NOTIFICATION_KINDS } from '../../domain/notifications/kinds.ts';
import { countUnread, listNotifications, markAllRead } from '../../store/repos/notifications-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import type { AppDeps } from '../deps.ts';

/** The signed-in user's notifications (a prospect replied, an email is held), newest first, and the unread count. */
const NotificationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(NOTIFICATION_KINDS),
    recordId: z.string().nullable(),
    summary: z.string(),
    createdAt: z.number(),
    read: z.boolean(),
  })
  .meta({ id: 'Notification' });

const ListSchema = z.object({ items: z.array(NotificationSchema), unread: z.number() });

export async function notificationRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'My notifications (newest first) and how many are unread',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(30) }),
        response: { 200: ListSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const [rows, unread] = await Promise.all([
        listNotifications(deps.store.db, actor.orgId, actor.userId, request.query.limit),
        countUnread(deps.store.db, actor.orgId, actor.userId),
      ]);
      return {
        items: rows.map((row) => ({
          id: row.id,
          kind: row.kind,
          recordId: row.record_id,
          summary: row.summary,
          createdAt: row.created_at,
          read: row.read_at !== null,
        })),
        unread,
      };
    },
  );

  app.post(
    '/api/notifications/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark all my notifications read',
        response: { 200: z.object({ marked: z.number(), unread: z.number() }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const marked = await markAllRead(deps.store.db, actor.orgId, actor.userId, deps.clock.now());
      return { marked, unread: 0 };
    },
  );
}
