import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { insertOutboundMessage } from '../store/mail/insert-outbound-message.ts';
import { connectionDefinitionJson } from '../store/mail/send-context-rows.ts';
import { findEmailTemplate } from '../store/repos/email-templates-repo.ts';
import { findSignature } from '../store/repos/signatures-repo.ts';
import type { Database, StepInstancesTable } from '../store/schema.ts';
import { messageIdFor } from './delivery.ts';
import { htmlToText } from './html-text.ts';
import { withSignature } from './prepare-message.ts';
import { type RenderedMessage, renderTemplate } from './render.ts';
import { sanitizeEmailHtml } from './sanitize.ts';
import { buildRenderContext, loadSendContext } from './send-context.ts';

/**
 * Manual email steps: the seller gets the step's template rendered for the record, edits it, and sends it
 * now or at a chosen time. The email goes through the outbox like any other (guard, tracking, held when a
 * placeholder has no value), then the step is completed in the engine.
 */
export type StepRow = Selectable<StepInstancesTable>;

export interface ComposeDraft {
  stepId: string;
  recordId: string;
  to: string | null;
  templateId: string | null;
  subject: string;
  html: string;
  text: string;
  missing: string[];
  errors: string[];
  /**
   * The template SOURCE with the seller's signature, unrendered: what the composer edits (placeholders and all).
   * Sent with `format: "template"`, it is rendered once for the record and stored as final content.
   */
  source: { subject: string; html: string };
}

interface StepEmailSource {
  templateId: string | null;
  tracking: boolean;
}

/** The template of the step (the A/B variant's when the step has one). */
export async function stepEmailSource(db: Kysely<Database>, step: StepRow): Promise<StepEmailSource> {
  const definitionJson = await connectionDefinitionJson(db, step.org_id, step.connection_id);
  if (definitionJson === undefined) return { templateId: null, tracking: true };
  const definition = JSON.parse(definitionJson) as {
    nodes?: {
      id: string;
      templateId?: string | null;
      abTest?: { variants: { id: string; templateId: string | null }[] };
    }[];
    options?: { trackOpens?: boolean; trackClicks?: boolean };
  };
  const node = definition.nodes?.find((candidate) => candidate.id === step.node_id);
  const variant = step.variant ? node?.abTest?.variants.find((v) => v.id === step.variant) : undefined;
  return {
    templateId: variant?.templateId ?? node?.templateId ?? null,
    tracking: definition.options?.trackOpens !== false || definition.options?.trackClicks !== false,
  };
}

async function contextFor(
  db: Kysely<Database>,
  step: Pick<StepRow, 'org_id' | 'id' | 'connection_id' | 'record_id'>,
  senderId: string,
) {
  const context = await loadSendContext(db, [
    {
      org_id: step.org_id,
      id: step.id,
      connection_id: step.connection_id,
      step_instance_id: step.id,
      record_id: step.record_id,
      sender_user_id: senderId,
      to_address: '',
      subject: '',
      body_html: '',
      body_text: '',
      message_id: '',
      idempotency_key: '',
      status: 'queued',
      hold_reason: null,
      template_id: null,
      variant: null,
      tracking: 1,
      not_before: 0,
      attempts: 0,
      last_error: null,
      schedule_id: null,
      lease_owner: null,
      lease_until: null,
      sent_at: null,
      created_at: 0,
      updated_at: 0,
      content_kind: 'template',
      raw_mime: null,
      smtp_response: null,
    },
  ]);
  const record = context.records.get(`${step.org_id}/${step.record_id}`);
  const owner = context.users.get(`${step.org_id}/${senderId}`);
  return { record, render: buildRenderContext(record, owner, context.orgs.get(step.org_id)) };
}

/** The step's template rendered once for its record: the draft the seller edits and then sends as written. */
export async function composeDraft(
  db: Kysely<Database>,
  step: StepRow,
  senderId: string,
): Promise<ComposeDraft> {
  const source = await stepEmailSource(db, step);
  const template = source.templateId
    ? await findEmailTemplate(db, step.org_id, source.templateId)
    : undefined;
  const { record, render } = await contextFor(db, step, senderId);
  const signature = (await findSignature(db, step.org_id, senderId))?.html ?? '';
  const input = withSignature(
    {
      subject: template?.subject ?? '',
      bodyHtml: template?.body_html ?? '',
      bodyText: template?.body_text ?? null,
    },
    signature,
  );
  const rendered: RenderedMessage = renderTemplate(input, render);
  return {
    stepId: step.id,
    recordId: step.record_id,
    to: record?.email ?? null,
    templateId: template?.id ?? null,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    missing: rendered.missing,
    errors: rendered.errors,
    source: { subject: input.subject, html: input.bodyHtml },
  };
}

/**
 * What the seller wrote in the composer, as template SOURCE, rendered once for the step's record by the same
 * sandboxed renderer that sends automated emails (record values are data, never source), then sanitised. The
 * live preview shows exactly this; sending stores exactly this as final content.
 */
export async function renderComposed(
  db: Kysely<Database>,
  step: Pick<StepRow, 'org_id' | 'id' | 'connection_id' | 'record_id'>,
  senderId: string,
  written: { subject: string; html: string },
): Promise<ComposeDraft> {
  const { record, render } = await contextFor(db, step, senderId);
  const rendered = renderTemplate({ subject: written.subject, bodyHtml: written.html }, render);
  const html = sanitizeEmailHtml(rendered.html);
  return {
    stepId: step.id,
    recordId: step.record_id,
    to: record?.email ?? null,
    templateId: null,
    subject: rendered.subject,
    html,
    text: htmlToText(html),
    missing: rendered.missing,
    errors: rendered.errors,
    source: written,
  };
}

/**
 * Queues the seller's email for the step (idempotent per step). Returns the outbox id, or null if queued before.
 * What the seller wrote is FINAL content: it is sanitised and sent as written, never rendered as a template
 * (it may contain prospect-supplied text from the draft, which must stay data).
 */
export async function queueManualEmail(
  deps: { store: Store; clock: Clock; config: { publicUrl: string } },
  db: Kysely<Database>,
  input: {
    step: StepRow;
    senderId: string;
    to: string;
    subject: string;
    html: string;
    sendAt: number | null;
  },
): Promise<string | null> {
  const now = deps.clock.now();
  const id = newId(now);
  const source = await stepEmailSource(db, input.step);
  return insertOutboundMessage(
    db,
    {
      org_id: input.step.org_id,
      id,
      connection_id: input.step.connection_id,
      step_instance_id: input.step.id,
      record_id: input.step.record_id,
      sender_user_id: input.senderId,
      to_address: input.to,
      subject: input.subject.replace(/\s+/g, ' ').trim(),
      body_html: sanitizeEmailHtml(input.html),
      body_text: '',
      content_kind: 'final',
      message_id: messageIdFor({ id, message_id: '' }, deps.config.publicUrl),
      idempotency_key: `manual:${input.step.id}`,
      status: 'queued',
      hold_reason: null,
      template_id: source.templateId,
      variant: input.step.variant,
      tracking: source.tracking ? 1 : 0,
      not_before: Math.max(input.sendAt ?? now, now),
      attempts: 0,
      last_error: null,
      lease_owner: null,
      lease_until: null,
      sent_at: null,
      created_at: now,
      updated_at: now,
    },
    { ignoreDuplicate: true },
  );
}
