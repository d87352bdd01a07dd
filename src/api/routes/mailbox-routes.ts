import { z } from 'zod';
import { EmailSchema } from '../../domain/identity.ts';
import { decideOrg } from '../../domain/permissions/permissions.ts';
import { encryptSecret } from '../../mail/secrets.ts';
import { releaseSignInHolds } from '../../mail/sign-in-hold.ts';
import { sendTestEmail } from '../../mail/test-email.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { findUser } from '../../store/repos/identity-repo.ts';
import {
  deleteMailbox,
  findMailbox,
  insertMailbox,
  listMailboxes,
  type MailboxRow,
  type MailboxValues,
  updateMailbox,
} from '../../store/repos/mailbox-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { assertReachableServers } from '../outbound-check.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';
import { refuseFromTakenElsewhere } from './mailbox-claims.ts';
import { auditView, MailboxInput, MailboxPatch, MailboxSchema, toMailbox } from './mailbox-schemas.ts';

/** Sending mailboxes (SMTP, IMAP): list, create, change, delete, test. */
export async function mailboxRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const isAdmin = async (request: Parameters<typeof requireActor>[0]) => {
    const actor = requireActor(request);
    return decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org').allowed;
  };

  /** A mailbox the actor may manage: their own, or any for admins. Others' are invisible (404). */
  const loadManaged = async (
    request: Parameters<typeof requireActor>[0],
    id: string,
  ): Promise<MailboxRow> => {
    const actor = requireActor(request);
    const row = await findMailbox(deps.store.db, actor.orgId, id);
    if (!row) throw notFoundProblem('Mailbox');
    if (row.user_id === actor.userId) return row;
    const policy = await loadPolicy(deps, request, actor.orgId);
    enforce(
      decideOrg(actor, policy, 'manage_org').allowed
        ? { allowed: true }
        : { allowed: false, visible: false, permission: 'mailbox.manage', reason: 'Not your mailbox' },
      'Mailbox',
    );
    return row;
  };

  const secret = (password: string | null | undefined, keep: string | null): string | null =>
    password === undefined
      ? keep
      : password === null || password === ''
        ? null
        : encryptSecret(deps.config.secretKey, password);

  function values(input: z.infer<typeof MailboxPatch>, base: MailboxValues): MailboxValues {
    const next: MailboxValues = { ...base };
    if (input.kind !== undefined) next.kind = input.kind;
    if (input.fromName !== undefined) next.from_name = input.fromName || null;
    if (input.fromAddress !== undefined) next.from_address = input.fromAddress;
    if (input.smtp !== undefined) {
      next.smtp_host = input.smtp?.host ?? null;
      next.smtp_port = input.smtp?.port ?? null;
      next.smtp_secure = input.smtp?.secure ? 1 : 0;
      next.smtp_user = input.smtp?.user ?? null;
      next.smtp_secret_enc = input.smtp ? secret(input.smtp.password, base.smtp_secret_enc) : null;
    }
    if (input.imap !== undefined) {
      next.imap_host = input.imap?.host ?? null;
      next.imap_port = input.imap?.port ?? null;
      next.imap_secure = input.imap?.secure === false ? 0 : 1;
      next.imap_user = input.imap?.user ?? null;
      next.imap_secret_enc = input.imap ? secret(input.imap.password, base.imap_secret_enc) : null;
      if (input.imap?.host !== base.imap_host || input.imap?.user !== base.imap_user)
        next.imap_last_uid = null;
    }
    if (input.limits) {
      if (input.limits.dailyLimit !== undefined) next.daily_limit = input.limits.dailyLimit;
      if (input.limits.hourlyLimit !== undefined) next.hourly_limit = input.limits.hourlyLimit;
      if (input.limits.minSpacingSeconds !== undefined)
        next.min_spacing_seconds = input.limits.minSpacingSeconds;
    }
    if (next.kind === 'smtp' && !next.smtp_host) {
      throw new HttpProblem(422, 'smtp_settings_required', 'An SMTP mailbox needs SMTP settings', [
        { path: ['body', 'smtp'], code: 'required', message: 'Give host and port' },
      ]);
    }
    return next;
  }

  const EMPTY: MailboxValues = {
    user_id: null,
    kind: 'catch_all',
    from_name: null,
    from_address: null,
    smtp_host: null,
    smtp_port: null,
    smtp_secure: 0,
    smtp_user: null,
    smtp_secret_enc: null,
    daily_limit: null,
    hourly_limit: null,
    min_spacing_seconds: null,
    imap_host: null,
    imap_port: null,
    imap_secure: 1,
    imap_user: null,
    imap_secret_enc: null,
    imap_last_uid: null,
    imap_last_error: null,
  };

  app.get(
    '/api/mailboxes',
    {
      schema: {
        tags: ['mail'],
        summary: 'Mailboxes: your own (admins: all, including the org relay)',
        response: {
          200: z.object({
            items: z.array(MailboxSchema),
            defaultDelivery: z.enum(['org_relay', 'smtp_url', 'catch_all']),
          }),
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const admin = await isAdmin(request);
      const rows = await listMailboxes(deps.store.db, actor.orgId);
      const relay = rows.find((row) => row.user_id === null);
      return {
        items: rows.filter((row) => admin || row.user_id === actor.userId).map(toMailbox),
        defaultDelivery: relay
          ? ('org_relay' as const)
          : deps.config.smtpUrl
            ? ('smtp_url' as const)
            : ('catch_all' as const),
      };
    },
  );

  app.post(
    '/api/mailboxes',
    {
      schema: {
        tags: ['mail'],
        summary: 'Add a mailbox (SMTP settings, From, limits; optional IMAP for replies)',
        body: MailboxInput,
        response: {
          201: MailboxSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const userId = request.body.userId === undefined ? actor.userId : request.body.userId;
      if (userId !== actor.userId) {
        enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org'), 'Mailbox');
        if (userId !== null && !(await findUser(deps.store.db, actor.orgId, userId))) {
          throw new HttpProblem(422, 'user_not_found', 'No such user', [
            { path: ['body', 'userId'], code: 'not_found', message: 'No such user' },
          ]);
        }
      }
      await assertReachableServers(deps.config, request.body);
      await refuseFromTakenElsewhere(deps.store.db, actor.orgId, request.body.fromAddress);
      const existing = (await listMailboxes(deps.store.db, actor.orgId)).find(
        (row) => row.user_id === userId,
      );
      if (existing) {
        throw new HttpProblem(
          409,
          'mailbox_exists',
          userId ? 'This user already has a mailbox' : 'The org relay already exists',
        );
      }
      const now = deps.clock.now();
      const row = await deps.store.db.transaction().execute(async (trx) => {
        const created = await insertMailbox(
          trx,
          actor.orgId,
          values(request.body, { ...EMPTY, user_id: userId }),
          now,
        );
        await releaseSignInHolds(trx, actor.orgId, userId, actor.userId, now);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'mailbox.create',
          resourceType: 'mailbox',
          resourceId: created.id,
          after: auditView(created),
          at: now,
        });
        return created;
      });
      return reply.code(201).send(toMailbox(row));
    },
  );

  app.patch(
    '/api/mailboxes/:id',
    {
      schema: {
        tags: ['mail'],
        summary: 'Change a mailbox (omit a password to keep it)',
        params: z.object({ id: z.string().min(1).max(100) }),
        body: MailboxPatch,
        response: {
          200: MailboxSchema,
          400: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const before = await loadManaged(request, request.params.id);
      await assertReachableServers(deps.config, request.body);
      // Checked when it changes: a mailbox saved before the rule can still be edited while its From is settled.
      const from = request.body.fromAddress;
      if (from && from.toLowerCase() !== before.from_address?.toLowerCase())
        await refuseFromTakenElsewhere(deps.store.db, actor.orgId, from);
      const { org_id: _org, id: _id, created_at: _c, updated_at: _u, ...base } = before;
      const next = values(request.body, base);
      const now = deps.clock.now();
      await deps.store.db.transaction().execute(async (trx) => {
        await updateMailbox(trx, actor.orgId, before.id, next, now);
        // Emails held because this mailbox's server refused its sign-in go again (once) with the new settings.
        await releaseSignInHolds(trx, actor.orgId, before.user_id, actor.userId, now);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'mailbox.update',
          resourceType: 'mailbox',
          resourceId: before.id,
          before: auditView(before),
          after: auditView({ ...before, ...next, updated_at: now }),
          at: now,
        });
      });
      return toMailbox({ ...before, ...next, updated_at: now });
    },
  );

  app.delete(
    '/api/mailboxes/:id',
    {
      schema: {
        tags: ['mail'],
        summary: 'Remove a mailbox (its emails then go through the org relay or the catch-all)',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 204: z.null(), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const row = await loadManaged(request, request.params.id);
      const now = deps.clock.now();
      await deps.store.db.transaction().execute(async (trx) => {
        await deleteMailbox(trx, actor.orgId, row.id);
        // Its emails now go another way (the org relay or the catch-all): those held for its sign-in go again.
        await releaseSignInHolds(trx, actor.orgId, row.user_id, actor.userId, now);
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'mailbox.delete',
          resourceType: 'mailbox',
          resourceId: row.id,
          before: auditView(row),
          at: now,
        });
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/mailboxes/:id/test',
    {
      schema: {
        tags: ['mail'],
        summary: 'Send a test email through this mailbox now (to yourself unless `to` is given)',
        params: z.object({ id: z.string().min(1).max(100) }),
        body: z.strictObject({ to: EmailSchema.optional() }).optional(),
        response: {
          200: z.object({
            ok: z.boolean(),
            delivery: z.enum(['smtp', 'catch_all']),
            outboundMessageId: z.string(),
            response: z.string().nullable(),
            error: z.string().nullable(),
          }),
          404: ProblemSchema,
        },
      },
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    },
    async (request) => {
      const actor = requireActor(request);
      const mailbox = await loadManaged(request, request.params.id);
      const sender = mailbox.user_id ?? actor.userId;
      const user = await findUser(deps.store.db, actor.orgId, sender);
      return sendTestEmail(deps, {
        mailbox,
        orgId: actor.orgId,
        senderUserId: sender,
        from: {
          name: mailbox.from_name ?? user?.name ?? actor.name,
          address: mailbox.from_address ?? user?.email ?? actor.email,
        },
        to: request.body?.to ?? actor.email,
      });
    },
  );
}
