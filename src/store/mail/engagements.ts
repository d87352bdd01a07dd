import type { Kysely } from 'kysely';
import { newId } from '../ids.ts';
import type { Database, EngagementType } from '../schema.ts';

/** Engagement events (open, click, reply, bounce) and the mail timeline entries. */

export interface EngagementInput {
  orgId: string;
  outboundMessageId: string | null;
  connectionId: string | null;
  recordId: string | null;
  type: EngagementType;
  dedupeKey: string;
  machine: boolean;
  data: Record<string, unknown>;
  occurredAt: number;
  now: number;
}

/** Stores an engagement event once; returns false when the same dedupe key was stored before. */
export async function insertEngagement(db: Kysely<Database>, input: EngagementInput): Promise<boolean> {
  const rows = await db
    .insertInto('engagement_events')
    .values({
      org_id: input.orgId,
      id: newId(input.now),
      outbound_message_id: input.outboundMessageId,
      connection_id: input.connectionId,
      record_id: input.recordId,
      type: input.type,
      dedupe_key: input.dedupeKey.slice(0, 900),
      machine: input.machine ? 1 : 0,
      data_json: JSON.stringify(input.data),
      occurred_at: input.occurredAt,
      created_at: input.now,
    })
    .onConflict((oc) => oc.columns(['org_id', 'dedupe_key']).doNothing())
    .returning('id')
    .execute();
  return rows.length > 0;
}

export async function countEngagements(
  db: Kysely<Database>,
  orgId: string,
  outboundMessageId: string,
  type: EngagementType,
  humanOnly: boolean,
): Promise<number> {
  let query = db
    .selectFrom('engagement_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('outbound_message_id', '=', outboundMessageId)
    .where('type', '=', type);
  if (humanOnly) query = query.where('machine', '=', 0);
  const row = await query.executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function listEngagements(db: Kysely<Database>, orgId: string, outboundMessageId: string) {
  return db
    .selectFrom('engagement_events')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('outbound_message_id', '=', outboundMessageId)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}

export interface TimelineInput {
  orgId: string;
  recordId: string;
  connectionId: string | null;
  kind: string;
  actorId: string | null;
  summary: string;
  data: Record<string, unknown>;
  occurredAt: number;
}

export async function insertTimeline(db: Kysely<Database>, input: TimelineInput): Promise<void> {
  await db
    .insertInto('timeline_events')
    .values({
      org_id: input.orgId,
      id: newId(input.occurredAt),
      record_id: input.recordId,
      connection_id: input.connectionId,
      kind: input.kind,
      actor_id: input.actorId,
      summary: input.summary.slice(0, 500),
      data_json: JSON.stringify(input.data),
      occurred_at: input.occurredAt,
    })
    .execute();
}
