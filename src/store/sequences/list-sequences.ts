import { type Kysely, sql } from 'kysely';
import type { RecordType } from '../../domain/sequence/definition.ts';
import type { SequenceVisibility } from '../../domain/sequence/visibility.ts';
import type { Database } from '../schema.ts';
import type { SequenceRow } from './sequence-rows.ts';

/** The sequence list: filters, sorts, keyset pages. */

// ── List ──────────────────────────────────────────────────────────────────────────────────────────────────
export const SEQUENCE_SORTS = ['name', 'updated', 'status', 'recordType'] as const;
export type SequenceSort = (typeof SEQUENCE_SORTS)[number];

export interface SequenceListFilter {
  status?: SequenceRow['status'];
  recordType?: RecordType;
  ownerId?: string;
  /** Any of these tag ids (a tag with its descendants). */
  tagIds?: string[];
  q?: string;
  isTemplate?: boolean;
  sort: SequenceSort;
  direction: 'asc' | 'desc';
  limit: number;
  after?: { v: string | number; id: string };
}

function sortExpression(sort: SequenceSort) {
  switch (sort) {
    case 'name':
      return sql<string>`lower(s.name)`;
    case 'updated':
      return sql<number>`s.updated_at`;
    case 'status':
      return sql<string>`s.status`;
    case 'recordType':
      return sql<string>`s.record_type`;
  }
}

export function sortValue(row: SequenceRow, sort: SequenceSort): string | number {
  switch (sort) {
    case 'name':
      return row.name.toLowerCase();
    case 'updated':
      return row.updated_at;
    case 'status':
      return row.status;
    case 'recordType':
      return row.record_type;
  }
}

export async function listSequences(
  db: Kysely<Database>,
  orgId: string,
  visibility: SequenceVisibility,
  filter: SequenceListFilter,
) {
  let query = db
    .selectFrom('sequences as s')
    .leftJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 's.org_id').onRef('u.id', '=', 's.owner_id'),
    )
    .leftJoin('sequence_versions as v', (join) =>
      join.onRef('v.org_id', '=', 's.org_id').onRef('v.id', '=', 's.active_version_id'),
    )
    .selectAll('s')
    .select(['u.name as owner_name', 'v.version as active_version'])
    .where('s.org_id', '=', orgId);
  if (!visibility.all) {
    query = query.where((eb) =>
      eb.or([
        eb('s.owner_id', '=', visibility.userId),
        eb('s.business_unit_id', 'in', visibility.businessUnitIds),
        eb(
          's.id',
          'in',
          eb
            .selectFrom('sequence_shares as sh')
            .select('sh.sequence_id')
            .where('sh.org_id', '=', orgId)
            .where((inner) =>
              inner.or([
                inner.and([
                  inner('sh.principal_type', '=', 'user'),
                  inner('sh.principal_id', '=', visibility.userId),
                ]),
                inner.and([
                  inner('sh.principal_type', '=', 'business_unit'),
                  inner(
                    'sh.principal_id',
                    'in',
                    visibility.shareUnitIds.length ? visibility.shareUnitIds : ['-'],
                  ),
                ]),
              ]),
            ),
        ),
      ]),
    );
  }
  if (filter.status) query = query.where('s.status', '=', filter.status);
  if (filter.recordType) query = query.where('s.record_type', '=', filter.recordType);
  if (filter.ownerId) query = query.where('s.owner_id', '=', filter.ownerId);
  if (filter.isTemplate !== undefined) query = query.where('s.is_template', '=', filter.isTemplate ? 1 : 0);
  if (filter.tagIds) {
    const tagIds = filter.tagIds.length ? filter.tagIds : ['-'];
    query = query.where('s.id', 'in', (eb) =>
      eb
        .selectFrom('sequence_tags')
        .select('sequence_id')
        .where('org_id', '=', orgId)
        .where('tag_id', 'in', tagIds),
    );
  }
  if (filter.q) {
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(
      sql<boolean>`(lower(s.name) like ${pattern} escape '\\' or lower(s.description) like ${pattern} escape '\\')`,
    );
  }
  const key = sortExpression(filter.sort);
  if (filter.after) {
    const { v, id } = filter.after;
    const op = filter.direction === 'asc' ? sql.raw('>') : sql.raw('<');
    query = query.where(sql<boolean>`(${key} ${op} ${v} or (${key} = ${v} and s.id ${op} ${id}))`);
  }
  return query
    .orderBy(key, filter.direction)
    .orderBy('s.id', filter.direction)
    .limit(filter.limit + 1)
    .execute();
}
