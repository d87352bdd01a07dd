import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * The step of an email that is held until a person acts: its status is `held` (not completed) while the email
 * waits, and goes back to completed (released) or skipped (canceled) when the seller decides.
 */
export async function markStepHeld(
  db: Kysely<Database>,
  input: { orgId: string; stepId: string; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('step_instances')
    .set({ status: 'held', updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.stepId)
    .where('status', '=', 'completed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function endStepHold(
  db: Kysely<Database>,
  input: { orgId: string; stepId: string; status: 'completed' | 'skipped'; actorId: string; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('step_instances')
    .set({ status: input.status, completed_by: input.actorId, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.stepId)
    .where('status', '=', 'held')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** How many emails of a connection are still held (the sequence waits while any is). */
export async function heldEmailsOfConnection(
  db: Kysely<Database>,
  orgId: string,
  connectionId: string,
): Promise<number> {
  const row = await db
    .selectFrom('outbound_messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'held')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Puts a held email's content as the seller wrote it: final content, sent as written (never rendered again). */
export async function setFinalContent(
  db: Kysely<Database>,
  input: { orgId: string; id: string; subject: string; html: string; now: number },
): Promise<void> {
  await db
    .updateTable('outbound_messages')
    .set({
      subject: input.subject,
      body_html: input.html,
      body_text: '',
      content_kind: 'final',
      updated_at: input.now,
    })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.id)
    .where('status', '=', 'held')
    .execute();
}
