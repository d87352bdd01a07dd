import { z } from 'zod';
import { DIGEST_FREQUENCIES, NOTIFICATION_KINDS } from '../../domain/notifications/index.ts';
import {
  findNotificationSettings,
  saveNotificationSettings,
} from '../../store/repos/notification-settings-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import type { AppDeps } from '../deps.ts';
import { ProblemSchema } from '../problems.ts';

const SettingsSchema = z
  .object({
    /** Which notification kinds also arrive in the email digest. */
    kinds: z.array(z.enum(NOTIFICATION_KINDS)).max(NOTIFICATION_KINDS.length),
    /** off, hourly (on the hour), or daily at `dailyHour` in your time zone (Settings → Profile). */
    frequency: z.enum(DIGEST_FREQUENCIES),
    dailyHour: z.number().int().min(0).max(23),
  })
  .meta({ id: 'NotificationSettings' });

const DEFAULTS: z.infer<typeof SettingsSchema> = {
  kinds: ['reply', 'bounce', 'email_held'],
  frequency: 'off',
  dailyHour: 8,
};

/** The signed-in user's email digest choice: which notifications also arrive by email, and how often. */
export async function notificationSettingsRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/notification-settings',
    {
      schema: {
        tags: ['notifications'],
        summary: 'My email digest settings (which notifications also arrive by email, and how often)',
        response: { 200: SettingsSchema, 401: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const found = await findNotificationSettings(deps.store.db, actor.orgId, actor.userId);
      return found
        ? { kinds: found.kinds, frequency: found.frequency, dailyHour: found.dailyHour }
        : DEFAULTS;
    },
  );

  app.put(
    '/api/notification-settings',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Save my email digest settings',
        body: SettingsSchema.strict(),
        response: { 200: SettingsSchema, 400: ProblemSchema, 401: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const saved = await saveNotificationSettings(deps.store.db, {
        orgId: actor.orgId,
        userId: actor.userId,
        kinds: [...new Set(request.body.kinds)],
        frequency: request.body.frequency,
        dailyHour: request.body.dailyHour,
        now: deps.clock.now(),
      });
      return { kinds: saved.kinds, frequency: saved.frequency, dailyHour: saved.dailyHour };
    },
  );
}
