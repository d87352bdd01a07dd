import { z } from 'zod';
import {
  DEFAULT_WORKING_HOURS,
  IsoDateSchema,
  RoleSchema,
  TimeZoneSchema,
  WorkingHoursOutSchema,
  WorkingHoursSchema,
} from './identity.ts';
import { DEFAULT_STAGES, StageListSchema } from './stages.ts';

/**
 * Organisation settings, stored as `orgs.settings_json`. One schema: the admin API validates changes with it,
 * and the engine, the mail code and the permission guard read settings through `parseOrgSettings`, which fills
 * defaults for anything missing.
 */
export const MailLimitsSchema = z.strictObject({
  /** Emails per mailbox per day. */
  dailyLimit: z.number().int().min(1).max(100_000),
  /** Emails per mailbox per hour. */
  hourlyLimit: z.number().int().min(1).max(10_000),
  /** Emails per recipient domain per hour (across the org). */
  perDomainHourlyLimit: z.number().int().min(1).max(10_000),
  /** Smallest gap between two sends of one mailbox. */
  minSpacingSeconds: z.number().int().min(0).max(3600),
});
export type MailLimits = z.infer<typeof MailLimitsSchema>;

export const DEFAULT_MAIL_LIMITS: MailLimits = {
  dailyLimit: 400,
  hourlyLimit: 60,
  perDomainHourlyLimit: 20,
  minSpacingSeconds: 20,
};

export const OrgSettingsSchema = z.strictObject({
  /** null: sequences are open to every role; otherwise only these roles (and admins) may create or connect. */
  featureRoles: z.array(RoleSchema).min(1).max(4).nullable(),
  /** The org's fallback time zone (after the record's and the seller's). */
  timeZone: TimeZoneSchema,
  /** Non-working days of the whole org, ISO dates. */
  holidays: z.array(IsoDateSchema).max(1000),
  /** Working hours for users who set none. */
  workingHours: WorkingHoursSchema,
  mailLimits: MailLimitsSchema,
  /** The business-process stages records move through; stage conditions compare their keys. */
  stages: StageListSchema,
});
export type OrgSettings = z.infer<typeof OrgSettingsSchema>;

/** The settings as the API returns them (plain types, no transforms). */
export const OrgSettingsOutSchema = z
  .object({
    featureRoles: z.array(RoleSchema).nullable(),
    timeZone: z.string(),
    holidays: z.array(z.string()),
    workingHours: WorkingHoursOutSchema,
    mailLimits: z.object({
      dailyLimit: z.number().int(),
      hourlyLimit: z.number().int(),
      perDomainHourlyLimit: z.number().int(),
      minSpacingSeconds: z.number().int(),
    }),
    stages: z.array(z.object({ key: z.string(), name: z.string() })),
  })
  .meta({ id: 'OrgSettings' });

export const DEFAULT_ORG_SETTINGS: OrgSettings = {
  featureRoles: null,
  timeZone: 'UTC',
  holidays: [],
  workingHours: DEFAULT_WORKING_HOURS,
  mailLimits: DEFAULT_MAIL_LIMITS,
  stages: DEFAULT_STAGES,
};

/** A change to the settings: any subset of the fields; mail limits may also be given in part. */
export const OrgSettingsPatchSchema = z.strictObject({
  featureRoles: OrgSettingsSchema.shape.featureRoles.optional(),
  timeZone: TimeZoneSchema.optional(),
  holidays: OrgSettingsSchema.shape.holidays.optional(),
  workingHours: WorkingHoursSchema.optional(),
  mailLimits: MailLimitsSchema.partial().optional(),
  stages: StageListSchema.optional(),
});
export type OrgSettingsPatch = z.infer<typeof OrgSettingsPatchSchema>;

/**
 * Reads stored settings (a JSON string or an already parsed object). Each field is taken when valid and
 * defaulted otherwise, so an old or partly damaged row never breaks the engine.
 */
export function parseOrgSettings(json: unknown): OrgSettings {
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch {
      raw = {};
    }
  }
  const value = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const field = <T extends z.ZodType>(schema: T, input: unknown, fallback: z.infer<T>): z.infer<T> => {
    const parsed = schema.safeParse(input);
    return parsed.success ? parsed.data : fallback;
  };
  const storedLimits = (
    value.mailLimits && typeof value.mailLimits === 'object' ? value.mailLimits : {}
  ) as Record<string, unknown>;
  const limits = MailLimitsSchema.shape;
  return {
    featureRoles: field(OrgSettingsSchema.shape.featureRoles, value.featureRoles, null),
    timeZone: field(TimeZoneSchema, value.timeZone, DEFAULT_ORG_SETTINGS.timeZone),
    holidays: field(OrgSettingsSchema.shape.holidays, value.holidays, []),
    workingHours: field(WorkingHoursSchema, value.workingHours, DEFAULT_WORKING_HOURS),
    stages: field(StageListSchema, value.stages, DEFAULT_STAGES),
    mailLimits: {
      dailyLimit: field(limits.dailyLimit, storedLimits.dailyLimit, DEFAULT_MAIL_LIMITS.dailyLimit),
      hourlyLimit: field(limits.hourlyLimit, storedLimits.hourlyLimit, DEFAULT_MAIL_LIMITS.hourlyLimit),
      perDomainHourlyLimit: field(
        limits.perDomainHourlyLimit,
        storedLimits.perDomainHourlyLimit,
        DEFAULT_MAIL_LIMITS.perDomainHourlyLimit,
      ),
      minSpacingSeconds: field(
        limits.minSpacingSeconds,
        storedLimits.minSpacingSeconds,
        DEFAULT_MAIL_LIMITS.minSpacingSeconds,
      ),
    },
  };
}

/** Applies a validated patch to the current settings. */
export function applyOrgSettingsPatch(current: OrgSettings, patch: OrgSettingsPatch): OrgSettings {
  return {
    featureRoles: patch.featureRoles === undefined ? current.featureRoles : patch.featureRoles,
    timeZone: patch.timeZone ?? current.timeZone,
    holidays: patch.holidays ? [...new Set(patch.holidays)].sort() : current.holidays,
    workingHours: patch.workingHours ?? current.workingHours,
    mailLimits: { ...current.mailLimits, ...stripUndefined(patch.mailLimits ?? {}) },
    stages: patch.stages ?? current.stages,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
