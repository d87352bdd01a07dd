import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { SequenceVisibility } from '../../domain/sequence/visibility.ts';
import type { Database } from '../schema.ts';

type WithSequences = Database & { s: Database['sequences'] };

/**
 * The sequence visibility rule (src/domain/sequence/visibility.ts) as a WHERE clause on `sequences` aliased as `s`: the caller's own, those of the units they may see and those shared with them or with a unit above
 * theirs. Applied in SQL so a filter never depends on how many sequences a page loaded first.
 */
export function sequenceVisibleWhere(orgId: string, scope: SequenceVisibility) {
  return (eb: ExpressionBuilder<WithSequences, 's'>): Expression<SqlBool> => {
    if (scope.all) return eb.lit(true);
    const shared = eb
      .selectFrom('sequence_shares as sh')
      .select('sh.sequence_id')
      .where('sh.org_id', '=', orgId)
      .where((inner) =>
        inner.or([
          inner.and([inner('sh.principal_type', '=', 'user'), inner('sh.principal_id', '=', scope.userId)]),
          inner.and([
            inner('sh.principal_type', '=', 'business_unit'),
            inner('sh.principal_id', 'in', scope.shareUnitIds.length ? scope.shareUnitIds : ['-']),
          ]),
        ]),
      );
    return eb.or([
      eb('s.owner_id', '=', scope.userId),
      eb('s.business_unit_id', 'in', scope.businessUnitIds.length ? scope.businessUnitIds : ['-']),
      eb('s.id', 'in', shared),
    ]);
  };
}
