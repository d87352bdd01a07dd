import { z } from 'zod';
import { EmailSchema } from '../../domain/identity.ts';
import type { MailboxRow } from '../../store/repos/mailbox-repo.ts';

/**
 * Mailboxes: a seller's own SMTP settings, or (admins) the org relay used with each seller's own From.
 * Passwords are encrypted at rest and never returned. Without any mailbox and without SMTP_URL, emails go to
 * the built-in catch-all outbox (`GET /api/outbox`).
 */
export const ServerSchema = z.strictObject({
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  secure: z.boolean().default(false),
  user: z.string().max(320).nullable().default(null),
  /** Omit to keep the stored password; null to remove it. */
  password: z.string().max(1000).nullable().optional(),
});

export const LimitsSchema = z.strictObject({
  dailyLimit: z.number().int().min(1).max(100_000).nullable().optional(),
  hourlyLimit: z.number().int().min(1).max(10_000).nullable().optional(),
  minSpacingSeconds: z.number().int().min(0).max(3600).nullable().optional(),
});

export const MailboxInput = z.strictObject({
  /** Whose mailbox: yourself by default; admins may give another user or null for the org relay. */
  userId: z.string().max(100).nullable().optional(),
  kind: z.enum(['smtp', 'catch_all']),
  fromName: z.string().trim().max(200).nullable().optional(),
  fromAddress: EmailSchema.nullable().optional(),
  smtp: ServerSchema.nullable().optional(),
  imap: ServerSchema.nullable().optional(),
  limits: LimitsSchema.optional(),
});

export const MailboxPatch = MailboxInput.omit({ userId: true }).partial();

export const ServerOut = z.object({
  host: z.string(),
  port: z.number(),
  secure: z.boolean(),
  user: z.string().nullable(),
  hasPassword: z.boolean(),
});

export const MailboxSchema = z
  .object({
    id: z.string(),
    userId: z.string().nullable(),
    kind: z.enum(['smtp', 'catch_all']),
    fromName: z.string().nullable(),
    fromAddress: z.string().nullable(),
    smtp: ServerOut.nullable(),
    imap: ServerOut.extend({ lastError: z.string().nullable() }).nullable(),
    limits: z.object({
      dailyLimit: z.number().nullable(),
      hourlyLimit: z.number().nullable(),
      minSpacingSeconds: z.number().nullable(),
    }),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Mailbox' });

export function toMailbox(row: MailboxRow): z.infer<typeof MailboxSchema> {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    fromName: row.from_name,
    fromAddress: row.from_address,
    smtp: row.smtp_host
      ? {
          host: row.smtp_host,
          port: row.smtp_port ?? 587,
          secure: row.smtp_secure === 1,
          user: row.smtp_user,
          hasPassword: row.smtp_secret_enc !== null,
        }
      : null,
    imap: row.imap_host
      ? {
          host: row.imap_host,
          port: row.imap_port ?? 993,
          secure: row.imap_secure === 1,
          user: row.imap_user,
          hasPassword: row.imap_secret_enc !== null,
          lastError: row.imap_last_error,
        }
      : null,
    limits: {
      dailyLimit: row.daily_limit,
      hourlyLimit: row.hourly_limit,
      minSpacingSeconds: row.min_spacing_seconds,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What is safe to write to the audit log (no secrets). */
export const auditView = (row: MailboxRow) => toMailbox(row);
