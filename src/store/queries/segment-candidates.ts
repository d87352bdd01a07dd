import type { Kysely, Selectable } from 'kysely';
import type { RecordVisibility } from '../repos/records-repo.ts';
import type { Database, RecordsTable, RecordType } from '../schema.ts';

export type CandidateRow = Selectable<RecordsTable>;

/**
 * One batch of the open records of a type that a user may see, by name then id (keyset: pass the last row's
 * name and id as `after`). The segment preview reads them batch by batch and matches each against the rule.
 */
export async function openRecordsBatch(
  db: Kysely<Database>,
  orgId: string,
  visibility: RecordVisibility,
  recordType: RecordType,
  after: { name: string; id: string } | null,
  limit: number,
): Promise<CandidateRow[]> {
  let select = db
    .selectFrom('records as r')
    .selectAll('r')
    .where('r.org_id', '=', orgId)
    .where('r.type', '=', recordType)
    .where('r.status', '=', 'open');
  if (!visibility.all) {
    const { userId, businessUnitIds } = visibility;
    select = select.where((eb) =>
      businessUnitIds.length > 0
        ? eb.or([eb('r.owner_id', '=', userId), eb('r.business_unit_id', 'in', businessUnitIds)])
        : eb('r.owner_id', '=', userId),
    );
  }
  if (after) {
    const { name, id } = after;
    select = select.where((eb) =>
      eb.or([eb('r.name', '>', name), eb.and([eb('r.name', '=', name), eb('r.id', '>', id)])]),
    );
  }
  return select.orderBy('r.name').orderBy('r.id').limit(limit).execute();
}
