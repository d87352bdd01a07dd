import type { Kysely, Selectable } from 'kysely';
import type { SegmentCandidate } from '../../domain/segments/segment.ts';
import { type FieldRule, FieldRuleSchema } from '../../domain/sequence/definition.ts';
import type { Database, RecordType, SegmentsTable } from '../schema.ts';

export type SegmentRow = Selectable<SegmentsTable>;

export interface Segment extends SegmentCandidate {
  orgId: string;
  name: string;
  sequenceId: string;
  ownerId: string;
  updatedAt: number;
}

export function toSegment(row: SegmentRow): Segment {
  const parsed = FieldRuleSchema.safeParse(JSON.parse(row.rule_json));
  // A stored rule that no longer parses can never match (an empty OR group set would be invalid input).
  const rule: FieldRule = parsed.success
    ? parsed.data
    : {
        combine: 'and',
        groups: [{ combine: 'and', conditions: [{ field: '__invalid__', operator: 'is_empty' }] }],
      };
  return {
    orgId: row.org_id,
    id: row.id,
    name: row.name,
    recordType: row.record_type,
    rule,
    priority: row.priority,
    sequenceId: row.sequence_id,
    enabled: row.enabled === 1,
    ownerId: row.owner_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function listSegments(db: Kysely<Database>, orgId: string): Promise<Segment[]> {
  const rows = await db
    .selectFrom('segments')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('priority', 'desc')
    .orderBy('created_at', 'asc')
    .execute();
  return rows.map(toSegment);
}

export async function findSegment(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<Segment | undefined> {
  const row = await db
    .selectFrom('segments')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toSegment(row) : undefined;
}

/** Enabled segments for one record type: what record changes are checked against. */
export async function enabledSegmentsFor(
  db: Kysely<Database>,
  orgId: string,
  recordType: RecordType,
): Promise<Segment[]> {
  const rows = await db
    .selectFrom('segments')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('record_type', '=', recordType)
    .where('enabled', '=', 1)
    .execute();
  return rows.map(toSegment);
}

export async function insertSegment(db: Kysely<Database>, segment: Segment): Promise<void> {
  await db
    .insertInto('segments')
    .values({
      org_id: segment.orgId,
      id: segment.id,
      name: segment.name,
      record_type: segment.recordType as RecordType,
      rule_json: JSON.stringify(segment.rule),
      priority: segment.priority,
      sequence_id: segment.sequenceId,
      enabled: segment.enabled ? 1 : 0,
      owner_id: segment.ownerId,
      created_at: segment.createdAt,
      updated_at: segment.updatedAt,
    })
    .execute();
}

export async function updateSegment(db: Kysely<Database>, segment: Segment): Promise<void> {
  await db
    .updateTable('segments')
    .set({
      name: segment.name,
      record_type: segment.recordType as RecordType,
      rule_json: JSON.stringify(segment.rule),
      priority: segment.priority,
      sequence_id: segment.sequenceId,
      enabled: segment.enabled ? 1 : 0,
      updated_at: segment.updatedAt,
    })
    .where('org_id', '=', segment.orgId)
    .where('id', '=', segment.id)
    .execute();
}

export async function deleteSegment(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('segments').where('org_id', '=', orgId).where('id', '=', id).execute();
}
