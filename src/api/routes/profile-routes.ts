import type { Kysely } from 'kysely';
import { z } from 'zod';
import {
  AFTER_COMPLETE_STEP,
  effectiveWorkingHours,
  INHERITED_WORKING_HOURS,
  LocaleSchema,
  NewPasswordSchema,
  PersonNameSchema,
  parsePreferences,
  TimeZoneSchema,
  type WorkingHours,
  WorkingHoursOutSchema,
  WorkingHoursSchema,
} from '../../domain/identity.ts';
import { parseOrgSettings } from '../../domain/org-settings.ts';
import {
  MAX_PASSWORD_ATTEMPTS,
  PASSWORD_ATTEMPT_WINDOW_MS,
  passwordAttemptVerdict,
} from '../../domain/password-throttle.ts';
import { findOrg } from '../../store/repos/admin-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  deleteSessionsOfUser,
  findUser,
  type ProfileChange,
  revokeTokensOfUser,
  setPasswordHash,
  updateProfile,
} from '../../store/repos/identity-repo.ts';
import { claimPasswordAttempt, clearPasswordAttempts } from '../../store/repos/password-attempts-repo.ts';
import type { Database, UsersTable } from '../../store/schema.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { hashPassword, refusePersonalPassword, verifyPassword } from '../auth/passwords.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

export const ProfileSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string(),
    locale: LocaleSchema,
    /** null: use the organisation's time zone. */
    timeZone: z.string().nullable(),
    /** The organisation's time zone: the one every time is shown in while `timeZone` is null. */
    orgTimeZone: z.string(),
    /** The hours that apply: your own, or the organisation's when you set none. */
    workingHours: WorkingHoursOutSchema,
    workingHoursSource: z.enum(['own', 'organisation']),
    preferences: z.object({ afterCompleteStep: z.enum(AFTER_COMPLETE_STEP) }),
  })
  .meta({ id: 'Profile' });

const ProfilePatchSchema = z.strictObject({
  name: PersonNameSchema.optional(),
  locale: LocaleSchema.optional(),
  timeZone: TimeZoneSchema.nullable().optional(),
  /** null: follow the organisation's working hours again. */
  workingHours: WorkingHoursSchema.nullable().optional(),
  preferences: z.strictObject({ afterCompleteStep: z.enum(AFTER_COMPLETE_STEP).optional() }).optional(),
});

function toProfile(
  user: Pick<
    UsersTable,
    'id' | 'email' | 'name' | 'locale' | 'time_zone' | 'working_hours_json' | 'preferences_json'
  >,
  org: OrgDefaults,
) {
  const hours = effectiveWorkingHours(user.working_hours_json, org.workingHours);
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    locale: LocaleSchema.safeParse(user.locale).data ?? 'en',
    timeZone: user.time_zone,
    orgTimeZone: org.timeZone,
    workingHours: hours.hours,
    workingHoursSource: hours.source,
    preferences: parsePreferences(user.preferences_json),
  };
}

const MAX_ATTEMPTS_TEXT = `${MAX_PASSWORD_ATTEMPTS} wrong answers in ${PASSWORD_ATTEMPT_WINDOW_MS / 60_000} minutes`;

/** The signed-in user's own profile (name, language, time zone, working hours, preferences) and password. */
export async function profileRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/me/profile',
    {
      schema: {
        tags: ['profile'],
        summary: 'Your profile',
        response: { 200: ProfileSchema, 401: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const user = await findUser(deps.store.db, actor.orgId, actor.userId);
      if (!user) throw notFoundProblem('User');
      return toProfile(user, await orgDefaults(deps.store.db, actor.orgId));
    },
  );

  app.patch(
    '/api/me/profile',
    {
      schema: {
        tags: ['profile'],
        summary: 'Change your name, language, time zone, working hours or preferences',
        body: ProfilePatchSchema,
        response: { 200: ProfileSchema, 400: ProblemSchema, 401: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const body = request.body;
      const now = deps.clock.now();
      return deps.store.db.transaction().execute(async (trx) => {
        const user = await findUser(trx, actor.orgId, actor.userId);
        if (!user) throw notFoundProblem('User');
        const org = await orgDefaults(trx, actor.orgId);
        const before = toProfile(user, org);
        const change: ProfileChange = {};
        if (body.name !== undefined) change.name = body.name;
        if (body.locale !== undefined) change.locale = body.locale;
        if (body.timeZone !== undefined) change.time_zone = body.timeZone;
        if (body.workingHours !== undefined) {
          change.working_hours_json =
            body.workingHours === null ? INHERITED_WORKING_HOURS : JSON.stringify(body.workingHours);
        }
        if (body.preferences !== undefined) {
          change.preferences_json = JSON.stringify({
            ...before.preferences,
            ...definedOnly(body.preferences),
          });
        }
        await updateProfile(trx, actor.orgId, actor.userId, change);
        const after = toProfile({ ...user, ...change }, org);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'user.profile_updated',
          resourceType: 'user',
          resourceId: actor.userId,
          before: pick(before, Object.keys(body)),
          after: pick(after, Object.keys(body)),
          at: now,
        });
        return after;
      });
    },
  );

  app.post(
    '/api/me/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change your password; ends your other sessions and revokes your API tokens',
        description:
          'The new password needs 12+ characters and must not be common or easy to guess (field code ' +
          '`weak_password`). Your API tokens are revoked unless `keepApiTokens` is true. Wrong current ' +
          `passwords are limited per user: after ${MAX_ATTEMPTS_TEXT} the answer is 429 ` +
          '`too_many_password_attempts` with Retry-After, whatever the password.',
        body: z.strictObject({
          currentPassword: z.string().min(1).max(500),
          newPassword: NewPasswordSchema,
          keepApiTokens: z.boolean().default(false),
        }),
        response: {
          204: z.null(),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          429: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      refusePersonalPassword(request.body.newPassword, actor, ['body', 'newPassword']);
      const now = deps.clock.now();
      // Counted before the check, in the database, so parallel guesses from any process share one limit.
      const attempt = await claimPasswordAttempt(
        deps.store.db,
        actor.orgId,
        actor.userId,
        now,
        PASSWORD_ATTEMPT_WINDOW_MS,
      );
      const verdict = passwordAttemptVerdict(attempt, now);
      if (!verdict.allowed) {
        const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
        reply.header('retry-after', String(seconds));
        throw new HttpProblem(
          429,
          'too_many_password_attempts',
          `Too many wrong current passwords; try again in ${Math.ceil(seconds / 60)} minute(s)`,
        );
      }
      const user = await findUser(deps.store.db, actor.orgId, actor.userId);
      if (!user || !(await verifyPassword(user.password_hash, request.body.currentPassword))) {
        throw new HttpProblem(403, 'wrong_password', 'The current password is not right', [
          { path: ['body', 'currentPassword'], code: 'wrong_password', message: 'Not your current password' },
        ]);
      }
      const hash = await hashPassword(request.body.newPassword);
      await deps.store.db.transaction().execute(async (trx) => {
        await clearPasswordAttempts(trx, actor.orgId, actor.userId);
        await setPasswordHash(trx, actor.orgId, actor.userId, hash);
        const ended = await deleteSessionsOfUser(trx, actor.orgId, actor.userId, request.sessionId);
        const revoked = request.body.keepApiTokens
          ? 0
          : await revokeTokensOfUser(trx, actor.orgId, actor.userId, now);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'user.password_changed',
          resourceType: 'user',
          resourceId: actor.userId,
          after: { otherSessionsEnded: ended, apiTokensRevoked: revoked },
          at: now,
        });
      });
      return reply.code(204).send(null);
    },
  );
}

interface OrgDefaults {
  workingHours: WorkingHours;
  timeZone: string;
}

async function orgDefaults(db: Kysely<Database>, orgId: string): Promise<OrgDefaults> {
  const org = await findOrg(db, orgId);
  const settings = parseOrgSettings(org?.settings_json);
  return { workingHours: settings.workingHours, timeZone: settings.timeZone };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function pick<T extends object>(value: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key))) as Partial<T>;
}
