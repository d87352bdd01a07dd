import { IANAZone } from 'luxon';
import { z } from 'zod';
import { PASSWORD_MIN_LENGTH, passwordWeakness } from './password-policy.ts';

export const ROLES = ['seller', 'sequence_manager', 'sales_manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = z.enum(ROLES);

export const LOCALES = ['en', 'pl'] as const;
export type Locale = (typeof LOCALES)[number];
export const LocaleSchema = z.enum(LOCALES);

/**
 * What an API token may do, on top of its user's roles: `read` = GET/HEAD requests, `write` = every other
 * request, `admin` = organisation management (users, business units, settings, audit log, org-wide mailboxes,
 * webhooks, inbound mail, record fields), which also needs `read` or `write` for the method used.
 */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export const TokenScopeSchema = z.enum(TOKEN_SCOPES);

/** Who is asking: the signed-in user or the owner of an API token, with what the permission rules need. */
export interface Actor {
  orgId: string;
  userId: string;
  businessUnitId: string;
  roles: Role[];
  name: string;
  email: string;
  locale: string;
  /** Set when the actor came with an API token: the token's scopes. Absent for a signed-in session. */
  tokenScopes?: readonly TokenScope[];
}

// ── Shared field schemas (API, CLI and storage parse with the same rules) ───────────────────────────────────

export const EmailSchema = z
  .string()
  .trim()
  .max(320)
  .pipe(z.email('Enter an email address'))
  .transform((email) => email.toLowerCase());
export const PersonNameSchema = z.string().trim().min(1).max(200);
export { PASSWORD_MIN_LENGTH } from './password-policy.ts';
/**
 * A new password (sign-up, CLI, admin create/reset, own change): 12+ characters and not common or easy to
 * guess. A weak one fails with the field-level code `weak_password`. The sign-in form accepts any existing one.
 */
export const NewPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(500)
  .superRefine((password, ctx) => {
    if (password.length < PASSWORD_MIN_LENGTH) return;
    const weakness = passwordWeakness(password);
    if (weakness) ctx.addIssue({ code: 'custom', message: weakness, params: { code: 'weak_password' } });
  });
export const RoleListSchema = z
  .array(RoleSchema)
  .min(1, 'Give at least one role')
  .max(ROLES.length)
  .transform((roles) => [...new Set(roles)].sort());

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}
export const TimeZoneSchema = z
  .string()
  .max(64)
  .refine(isValidTimeZone, 'Use an IANA time zone such as Europe/Warsaw');

export const TimeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM, 24-hour');
export const IsoDateSchema = z.iso.date('Use an ISO date, YYYY-MM-DD');

/** When a person works: ISO weekdays (1 = Monday … 7 = Sunday), a daily window and personal days off. */
export const WorkingHoursSchema = z
  .strictObject({
    days: z
      .array(z.number().int().min(1).max(7))
      .max(7)
      .transform((days) => [...new Set(days)].sort((a, b) => a - b)),
    from: TimeOfDaySchema,
    to: TimeOfDaySchema,
    daysOff: z.array(IsoDateSchema).max(1000).default([]),
  })
  .refine((hours) => hours.from < hours.to, { message: '"from" must be before "to"', path: ['to'] });
export type WorkingHours = z.infer<typeof WorkingHoursSchema>;

/** Working hours as the API returns them (no transforms: response schemas must be encodable). */
export const WorkingHoursOutSchema = z
  .object({
    days: z.array(z.number().int().min(1).max(7)),
    from: z.string(),
    to: z.string(),
    daysOff: z.array(z.string()),
  })
  .meta({ id: 'WorkingHours' });

export const DEFAULT_WORKING_HOURS: WorkingHours = {
  days: [1, 2, 3, 4, 5],
  from: '09:00',
  to: '17:00',
  daysOff: [],
};

export const AFTER_COMPLETE_STEP = ['next_item', 'stay', 'ask'] as const;
export const PreferencesSchema = z.strictObject({
  /** What the work list does after the seller completes a step. */
  afterCompleteStep: z.enum(AFTER_COMPLETE_STEP).default('next_item'),
});
export type Preferences = z.infer<typeof PreferencesSchema>;

/** Reads stored JSON leniently: a missing or damaged value falls back to the default instead of failing a request. */
export function parseStoredJson<T extends z.ZodType>(
  schema: T,
  json: string | null | undefined,
  fallback: z.infer<T>,
): z.infer<T> {
  if (!json) return fallback;
  try {
    const parsed = schema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}

export function parseWorkingHours(json: string | null | undefined): WorkingHours {
  return parseStoredJson(WorkingHoursSchema, json, DEFAULT_WORKING_HOURS);
}

/** `users.working_hours_json` of a user who follows the organisation's working hours. */
export const INHERITED_WORKING_HOURS = '{}';

/**
 * The working hours that apply to a user: their own when they set some, else the organisation's (users created
 * without hours, or who chose "use the organisation's hours" again, follow later changes of the org's hours).
 */
export function effectiveWorkingHours(
  json: string | null | undefined,
  orgHours: WorkingHours,
): { hours: WorkingHours; source: 'own' | 'organisation' } {
  let raw: unknown = null;
  try {
    raw = JSON.parse(json ?? 'null');
  } catch {
    raw = null;
  }
  const own = WorkingHoursSchema.safeParse(raw);
  return own.success ? { hours: own.data, source: 'own' } : { hours: orgHours, source: 'organisation' };
}

export function parsePreferences(json: string | null | undefined): Preferences {
  return parseStoredJson(PreferencesSchema, json, { afterCompleteStep: 'next_item' });
}
