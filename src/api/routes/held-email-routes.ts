import { z } from 'zod';
import { composeDraft, renderComposed } from '../../mail/compose.ts';
import { endEmailHold } from '../../mail/held-steps.ts';
import { sanitizeEmailHtml } from '../../mail/sanitize.ts';
import { findStepInstance } from '../../store/queries/step-instances.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { setFinalContent } from '../../store/repos/held-steps-repo.ts';
import { findMessage, type OutboundRow, requeueMessage } from '../../store/repos/mail-repo.ts';
import { recordTimeline } from '../../store/repos/timeline-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';
import { OutboxItemSchema, toItem, visibleSenders } from './outbox-routes.ts';

/**
 * Held emails are the seller's work: read the email as it would go (its template rendered for the record, with
 * the placeholders that have no value), edit it, and release it as written; the held step is then completed and
 * the sequence goes on. Retry (after fixing the record) and cancel are in the outbox routes.
 */
export const HeldDraftSchema = z
  .object({
    id: z.string(),
    to: z.string(),
    subject: z.string(),
    html: z.string(),
    holdReason: z.string().nullable(),
    /** Placeholders without a value and without a fallback. */
    missing: z.array(z.string()),
    /** The template source (with the sender's signature), unrendered: what the composer edits. */
    source: z.object({ subject: z.string(), html: z.string() }),
  })
  .meta({ id: 'HeldEmailDraft' });

const ReleaseBody = z.strictObject({
  subject: z.string().trim().min(1).max(500),
  html: z.string().min(1).max(500_000),
  /**
   * `template`: subject and html are template source (the composer's text), rendered once for the record by the
   * renderer that sends and refused while a placeholder has no value; `final` (default): sent as written.
   */
  format: z.enum(['template', 'final']).default('final'),
});

const PreviewBody = z.strictObject({ subject: z.string().max(500), html: z.string().max(500_000) });

const PreviewSchema = z.object({
  subject: z.string(),
  html: z.string(),
  missing: z.array(z.string()),
  errors: z.array(z.string()),
});

/**
 * A held email whose content is final (a reply quoting the prospect, an email a seller wrote) is edited and sent as
 * text: it may hold prospect-supplied text, which must never become template source. Its preview is the text as
 * it will go (the sanitiser applies when it is sent).
 */
function asWritten(written: { subject: string; html: string }): z.infer<typeof PreviewSchema> {
  return {
    subject: written.subject.replace(/\s+/g, ' ').trim(),
    html: sanitizeEmailHtml(written.html),
    missing: [],
    errors: [],
  };
}

/** The held email's record context for the renderer (the same one compose and automated emails use). */
function renderTarget(row: OutboundRow) {
  return {
    org_id: row.org_id,
    id: row.step_instance_id ?? row.id,
    connection_id: row.connection_id ?? '',
    record_id: row.record_id ?? '',
  };
}

const Id = z.object({ id: z.string().min(1).max(100) });

export async function heldEmailRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  async function loadHeld(request: Parameters<typeof requireActor>[0], id: string): Promise<OutboundRow> {
    const actor = requireActor(request);
    const row = await findMessage(deps.store.db, actor.orgId, id);
    const senders = await visibleSenders(deps, request, actor);
    if (!row || (senders && !senders.includes(row.sender_user_id))) throw notFoundProblem('Email');
    if (row.status !== 'held') throw new HttpProblem(409, 'email_state', 'Only a held email can be edited');
    return row;
  }

  app.get(
    '/api/outbox/:id/draft',
    {
      schema: {
        tags: ['mail'],
        summary: 'A held email as it would go: its template rendered for the record, and what is missing',
        params: Id,
        response: { 200: HeldDraftSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const row = await loadHeld(request, request.params.id);
      const base = { id: row.id, to: row.to_address, holdReason: row.hold_reason };
      const asWritten = { subject: row.subject, html: row.body_html };
      if (row.content_kind === 'final' || !row.step_instance_id) {
        return { ...base, ...asWritten, missing: [], source: asWritten };
      }
      const step = await findStepInstance(deps.store.db, row.org_id, row.step_instance_id);
      if (!step) return { ...base, ...asWritten, missing: [], source: asWritten };
      const draft = await composeDraft(deps.store.db, step, row.sender_user_id);
      return {
        ...base,
        subject: draft.subject,
        html: draft.html,
        missing: draft.missing,
        source: draft.source,
      };
    },
  );

  app.post(
    '/api/outbox/:id/draft/preview',
    {
      schema: {
        tags: ['mail'],
        summary:
          'Live preview of a held email in the composer: the text rendered for its record, as it would go',
        params: Id,
        body: PreviewBody,
        response: { 200: PreviewSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const row = await loadHeld(request, request.params.id);
      if (row.content_kind === 'final') return asWritten(request.body);
      const rendered = await renderComposed(
        deps.store.db,
        renderTarget(row),
        row.sender_user_id,
        request.body,
      );
      return {
        subject: rendered.subject,
        html: rendered.html,
        missing: rendered.missing,
        errors: rendered.errors,
      };
    },
  );

  app.post(
    '/api/outbox/:id/release',
    {
      schema: {
        tags: ['mail'],
        summary: 'Send a held email as the seller edited it (final content); its step is completed',
        params: Id,
        body: ReleaseBody,
        response: { 200: OutboxItemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const row = await loadHeld(request, request.params.id);
      let content = { subject: request.body.subject, html: request.body.html };
      // Final content (a conversation reply quoting the prospect, an email a seller wrote) is data: never rendered.
      if (request.body.format === 'template' && row.content_kind !== 'final') {
        const rendered = await renderComposed(deps.store.db, renderTarget(row), row.sender_user_id, content);
        const problems = [...rendered.errors, ...rendered.missing];
        if (problems.length > 0) {
          throw new HttpProblem(
            422,
            rendered.errors.length > 0 ? 'template_error' : 'missing_placeholders',
            `The email would still be held: ${problems.join(', ')}`,
          );
        }
        content = { subject: rendered.subject, html: rendered.html };
      }
      const now = deps.clock.now();
      const released = await deps.store.db.transaction().execute(async (trx) => {
        await setFinalContent(trx, {
          orgId: actor.orgId,
          id: row.id,
          subject: content.subject,
          html: content.html,
          now,
        });
        if (!(await requeueMessage(trx, actor.orgId, row.id, now))) return false;
        await endEmailHold(trx, row, 'completed', actor.userId, now);
        if (row.record_id) {
          await recordTimeline(trx, {
            orgId: actor.orgId,
            recordId: row.record_id,
            connectionId: row.connection_id,
            kind: 'email_released',
            actorId: actor.userId,
            summary: `Email released: ${content.subject}`,
            data: { outboundMessageId: row.id },
            at: now,
          });
        }
        await recordAudit(trx, {
          orgId: actor.orgId,
          actorId: actor.userId,
          action: 'email.release',
          resourceType: 'outbound_message',
          resourceId: row.id,
          before: { status: row.status, holdReason: row.hold_reason },
          after: { subject: content.subject },
          at: now,
        });
        return true;
      });
      if (!released) throw new HttpProblem(409, 'email_state', 'Only a held email can be released');
      return toItem((await findMessage(deps.store.db, actor.orgId, row.id)) as OutboundRow);
    },
  );
}
