import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ERROR_CODES } from '../../domain/error-codes.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/identity.ts';
import { decideRecord } from '../../domain/permissions/permissions.ts';
import { applyEvent } from '../../engine/apply-event.ts';
import {
  type ComposeDraft,
  composeDraft,
  queueManualEmail,
  renderComposed,
  type StepRow,
} from '../../mail/compose.ts';
import { htmlToText } from '../../mail/html-text.ts';
import { withdrawQueuedMessage } from '../../store/queries/outbox-changes.ts';
import { findStepInstance } from '../../store/queries/step-instances.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { findMessage } from '../../store/repos/mail-repo.ts';
import { findRecord } from '../../store/repos/records-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

/**
 * Manual email steps: compose (the step's template rendered for the record), edit, send now or schedule;
 * the step is then completed. Bulk: one email step of one sequence for many records, previewed first.
 */
export const DraftSchema = z
  .object({
    stepId: z.string(),
    recordId: z.string(),
    to: z.string().nullable(),
    templateId: z.string().nullable(),
    subject: z.string(),
    html: z.string(),
    text: z.string(),
    /** Placeholders without a value and without a fallback: fill them in before sending. */
    missing: z.array(z.string()),
    errors: z.array(z.string()),
    /** The template source plus the seller's signature, unrendered: what the composer edits. */
    source: z.object({ subject: z.string(), html: z.string() }),
  })
  .meta({ id: 'EmailDraft' });

const SendBody = z.strictObject({
  subject: z.string().trim().min(1).max(500),
  html: z.string().min(1).max(500_000),
  /** Epoch ms; omitted or past: now. The deliverability guard may still space it out. */
  sendAt: z.number().int().min(0).optional(),
  /**
   * `final` (default): sent as written. `template`: subject and html are template source with placeholders
   * (`{{ record.first_name | default: "there" }}`), rendered once for the record, then sent as final content.
   */
  format: z.enum(['final', 'template']).optional(),
});

const PreviewBody = z.strictObject({
  subject: z.string().max(500),
  html: z.string().max(500_000),
});

const SentSchema = z.object({ stepId: z.string(), outboundMessageId: z.string(), notBefore: z.number() });
/** Why one recipient of a bulk email is left out: one of the API's closed error codes, so clients can branch on it. */
const StepProblemSchema = z.object({ stepId: z.string(), code: z.enum(ERROR_CODES), message: z.string() });

export const BulkPreviewSchema = z
  .object({
    preview: DraftSchema,
    /** Every recipient's rendered email, in the order of the steps (the ones in `problems` included). */
    previews: z.array(DraftSchema),
    recipients: z.number(),
    problems: z.array(StepProblemSchema),
  })
  .meta({ id: 'BulkEmailPreview' });

export const BulkSendResultSchema = z
  .object({ sent: z.array(SentSchema), refused: z.array(StepProblemSchema) })
  .meta({ id: 'BulkEmailResult' });

/**
 * Bulk preview and send render one email per record (each render is capped — see src/mail/render.ts); between
 * records the event loop is handed back, so a long bulk request never holds up everyone else's requests.
 */
const yieldToOtherRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function composeRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  /** The step, visible and actionable by the actor, that must be an open manual email step. */
  async function loadEmailStep(request: FastifyRequest, actor: Actor, id: string): Promise<StepRow> {
    const step = await findStepInstance(deps.store.db, actor.orgId, id);
    if (!step) throw notFoundProblem('Step');
    const record = await findRecord(deps.store.db, actor.orgId, step.record_id);
    if (!record) throw notFoundProblem('Step');
    const policy = await loadPolicy(deps, request, actor.orgId);
    enforce(
      decideRecord(actor, policy, 'act', {
        ownerId: record.owner_id,
        businessUnitId: record.business_unit_id,
      }),
      'Step',
    );
    if (step.kind !== 'email')
      throw new HttpProblem(409, 'not_email_step', 'This step is not a manual email step');
    return step;
  }

  function emptyDraft(step: StepRow): ComposeDraft {
    return {
      stepId: step.id,
      recordId: step.record_id,
      to: null,
      templateId: null,
      subject: '',
      html: '',
      text: '',
      missing: [],
      errors: [],
      source: { subject: '', html: '' },
    };
  }

  function assertOpen(step: StepRow): void {
    if (step.status !== 'due') {
      throw new HttpProblem(
        409,
        'step_not_open',
        `The step is ${step.status}; only a due email step can be sent`,
      );
    }
  }

  function assertSendable(draft: ComposeDraft): asserts draft is ComposeDraft & { to: string } {
    if (!draft.to) throw new HttpProblem(422, 'no_email_address', 'The record has no email address');
    if (draft.errors.length > 0) {
      throw new HttpProblem(422, 'template_error', `The email has errors: ${draft.errors.join('; ')}`);
    }
    if (draft.missing.length > 0) {
      throw new HttpProblem(
        422,
        'missing_placeholders',
        `Fill in or give a fallback for: ${draft.missing.join(', ')}`,
        draft.missing.map((name) => ({ path: ['body', 'html'], code: 'missing_placeholder', message: name })),
      );
    }
    const empty = emptyParts(draft);
    if (empty.length > 0) throw new HttpProblem(422, 'empty_message', emptyMessage(empty));
  }

  /** Queues the email, then completes the step; undoes the queueing if the step cannot be completed. */
  async function send(
    actor: Actor,
    step: StepRow,
    draft: ComposeDraft & { to: string },
    sendAt: number | null,
  ) {
    const doNotEmail = await findRecord(deps.store.db, actor.orgId, step.record_id);
    if (doNotEmail?.do_not_email === 1) {
      throw new HttpProblem(409, 'do_not_email', 'The record is marked do not email');
    }
    const outboundId = await deps.store.db.transaction().execute(async (trx) => {
      const id = await queueManualEmail(deps, trx, {
        step,
        senderId: actor.userId,
        to: draft.to,
        subject: draft.subject,
        html: draft.html,
        sendAt,
      });
      if (!id) throw new HttpProblem(409, 'already_sent', 'An email was already sent for this step');
      await recordAudit(trx, {
        orgId: actor.orgId,
        actorId: actor.userId,
        action: 'email.send',
        resourceType: 'step_instance',
        resourceId: step.id,
        after: { outboundMessageId: id, to: draft.to, subject: draft.subject, sendAt },
        at: deps.clock.now(),
      });
      return id;
    });
    try {
      await applyEvent(deps, {
        orgId: actor.orgId,
        connectionId: step.connection_id,
        event: {
          id: `manual-email:${step.id}`,
          type: 'step_completed',
          nodeId: step.node_id,
          actorId: actor.userId,
        },
      });
    } catch (error) {
      // The step was not completed (not current any more, connection ended): the email must not go either.
      await withdrawQueuedMessage(deps.store.db, actor.orgId, outboundId);
      throw error;
    }
    const row = await findMessage(deps.store.db, actor.orgId, outboundId);
    if (!row) throw notFoundProblem('Email');
    return { stepId: step.id, outboundMessageId: outboundId, notBefore: row.not_before };
  }

  const Id = z.object({ id: z.string().min(1).max(100) });

  app.get(
    '/api/steps/:id/compose',
    {
      schema: {
        tags: ['mail'],
        summary: "A manual email step's draft: its template rendered for the record",
        params: Id,
        response: { 200: DraftSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const step = await loadEmailStep(request, actor, request.params.id);
      return composeDraft(deps.store.db, step, actor.userId);
    },
  );

  app.post(
    '/api/steps/:id/send',
    {
      schema: {
        tags: ['mail'],
        summary: 'Send (or schedule) the email of a manual email step; completes the step',
        params: Id,
        body: SendBody,
        response: { 202: SentSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const step = await loadEmailStep(request, actor, request.params.id);
      assertOpen(step);
      const written = { subject: request.body.subject, html: request.body.html };
      // `template`: the seller's text is source, rendered once here; the result is final content from now on.
      // `final`: sent as written (sanitised), never rendered as a template.
      const draft: ComposeDraft =
        request.body.format === 'template'
          ? await renderComposed(deps.store.db, step, actor.userId, written)
          : {
              ...emptyDraft(step),
              to: (await composeDraft(deps.store.db, step, actor.userId)).to,
              ...written,
            };
      assertSendable(draft);
      return reply.code(202).send(await send(actor, step, draft, request.body.sendAt ?? null));
    },
  );

  app.post(
    '/api/steps/:id/compose/preview',
    {
      schema: {
        tags: ['mail'],
        summary:
          "Live preview: the composer's text (template source) rendered for the step's record, exactly as it is sent",
        params: Id,
        body: PreviewBody,
        response: { 200: DraftSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const step = await loadEmailStep(request, actor, request.params.id);
      return renderComposed(deps.store.db, step, actor.userId, request.body);
    },
  );

  /**
   * The parts of an email that would go out empty (a step without a template has neither): delivery would hold
   * such an email ("The subject is empty"), so it is refused before it is queued, and bulk preview says so.
   */
  function emptyParts(draft: ComposeDraft): ('subject' | 'message')[] {
    const parts: ('subject' | 'message')[] = [];
    if (draft.subject.trim() === '') parts.push('subject');
    if (htmlToText(draft.html).trim() === '' && !/<img\b/i.test(draft.html)) parts.push('message');
    return parts;
  }
  const emptyMessage = (parts: ('subject' | 'message')[]) =>
    `The email has no ${parts.join(' and no ')}; write it before sending (a step without a template has none)`;

  /** Steps for bulk email: same sequence, same email node, all open and actionable by the actor. */
  async function loadBulk(request: FastifyRequest, actor: Actor, stepIds: string[]): Promise<StepRow[]> {
    const steps: StepRow[] = [];
    for (const id of [...new Set(stepIds)]) steps.push(await loadEmailStep(request, actor, id));
    const first = steps[0] as StepRow;
    if (steps.some((s) => s.sequence_id !== first.sequence_id || s.node_id !== first.node_id)) {
      throw new HttpProblem(
        422,
        'mixed_steps',
        'Bulk email needs steps of the same email step of one sequence',
      );
    }
    return steps;
  }

  const BulkBody = z.strictObject({ stepIds: z.array(z.string().min(1).max(100)).min(1).max(500) });

  app.post(
    '/api/bulk-email/preview',
    {
      schema: {
        tags: ['mail'],
        summary: 'Preview a bulk email: the template rendered for every recipient, and who cannot get it',
        body: BulkBody,
        response: {
          200: BulkPreviewSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const steps = await loadBulk(request, actor, request.body.stepIds);
      const problems: z.infer<typeof StepProblemSchema>[] = [];
      const previews: ComposeDraft[] = [];
      for (const step of steps) {
        await yieldToOtherRequests();
        const draft = await composeDraft(deps.store.db, step, actor.userId);
        previews.push(draft);
        if (step.status !== 'due')
          problems.push({ stepId: step.id, code: 'step_not_open', message: `The step is ${step.status}` });
        else if (!draft.to)
          problems.push({ stepId: step.id, code: 'no_email_address', message: 'No email address' });
        else if (draft.missing.length > 0 || draft.errors.length > 0) {
          problems.push({
            stepId: step.id,
            code: 'missing_placeholders',
            message: `Missing: ${[...draft.missing, ...draft.errors].join(', ')}`,
          });
        } else if (emptyParts(draft).length > 0)
          problems.push({ stepId: step.id, code: 'empty_message', message: emptyMessage(emptyParts(draft)) });
      }
      return {
        preview: previews[0] as ComposeDraft,
        previews,
        recipients: steps.length - problems.length,
        problems,
      };
    },
  );

  app.post(
    '/api/bulk-email/send',
    {
      schema: {
        tags: ['mail'],
        summary: "Send the step's template to every record of the given steps (each rendered for its record)",
        body: BulkBody,
        response: {
          200: BulkSendResultSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const steps = await loadBulk(request, actor, request.body.stepIds);
      const sent: z.infer<typeof SentSchema>[] = [];
      const refused: z.infer<typeof StepProblemSchema>[] = [];
      for (const step of steps) {
        await yieldToOtherRequests();
        try {
          assertOpen(step);
          const draft = await composeDraft(deps.store.db, step, actor.userId);
          assertSendable(draft);
          sent.push(await send(actor, step, draft, null));
        } catch (error) {
          if (error instanceof HttpProblem || error instanceof DomainError) {
            refused.push({ stepId: step.id, code: error.code, message: error.message });
          } else {
            throw error;
          }
        }
      }
      return { sent, refused };
    },
  );
}
