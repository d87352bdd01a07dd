import type { Kysely, Selectable } from 'kysely';
import type { FieldDefinition, FieldOption } from '../../domain/sequence/fields.ts';
import { newId } from '../ids.ts';
import type { Database, RecordFieldsTable, RecordType } from '../schema.ts';

export type RecordFieldRow = Selectable<RecordFieldsTable>;

export interface RecordField extends FieldDefinition {
  id: string;
  recordType: RecordType;
  options?: FieldOption[];
  createdAt: number;
}

function parseOptions(json: string | null): FieldOption[] | undefined {
  if (!json) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as FieldOption[]) : undefined;
  } catch {
    return undefined;
  }
}

export function toRecordField(row: RecordFieldRow): RecordField {
  const options = parseOptions(row.options_json);
  return {
    id: row.id,
    recordType: row.record_type,
    name: row.name,
    label: row.label,
    type: row.type,
    ...(options ? { options } : {}),
    core: false,
    createdAt: row.created_at,
  };
}

/** The organisation's custom fields, optionally of one record type, in creation order. */
export async function listRecordFields(
  db: Kysely<Database>,
  orgId: string,
  recordType?: RecordType,
): Promise<RecordField[]> {
  let query = db.selectFrom('record_fields').selectAll().where('org_id', '=', orgId);
  if (recordType) query = query.where('record_type', '=', recordType);
  const rows = await query.orderBy('record_type').orderBy('created_at').orderBy('id').execute();
  return rows.map(toRecordField);
}

export async function findRecordField(db: Kysely<Database>, orgId: string, id: string) {
  const row = await db
    .selectFrom('record_fields')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toRecordField(row) : undefined;
}

export async function findRecordFieldByName(
  db: Kysely<Database>,
  orgId: string,
  recordType: RecordType,
  name: string,
) {
  const row = await db
    .selectFrom('record_fields')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('record_type', '=', recordType)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? toRecordField(row) : undefined;
}

export async function insertRecordField(
  db: Kysely<Database>,
  orgId: string,
  field: {
    recordType: RecordType;
    name: string;
    label: string;
    type: RecordFieldRow['type'];
    options?: FieldOption[];
  },
  now: number,
): Promise<RecordField> {
  const row: RecordFieldRow = {
    org_id: orgId,
    id: newId(now),
    record_type: field.recordType,
    name: field.name,
    label: field.label,
    type: field.type,
    options_json: field.options ? JSON.stringify(field.options) : null,
    created_at: now,
  };
  await db.insertInto('record_fields').values(row).execute();
  return toRecordField(row);
}

export async function updateRecordField(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  changes: { label?: string; options?: FieldOption[] },
): Promise<void> {
  const values: { label?: string; options_json?: string } = {};
  if (changes.label !== undefined) values.label = changes.label;
  if (changes.options !== undefined) values.options_json = JSON.stringify(changes.options);
  if (Object.keys(values).length === 0) return;
  await db
    .updateTable('record_fields')
    .set(values)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

/** Removes the definition; values already stored on records stay in `custom_json` but are no longer shown. */
export async function deleteRecordField(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('record_fields').where('org_id', '=', orgId).where('id', '=', id).execute();
}
