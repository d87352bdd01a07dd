import type { Kysely } from 'kysely';
import type { RecordType } from '../../domain/sequence/definition.ts';
import type { SequenceVisibility } from '../../domain/sequence/visibility.ts';
import type { Database } from '../schema.ts';
import { sequenceVisibleWhere } from './sequence-scope.ts';

export interface ConnectableSequence {
  id: string;
  name: string;
  description: string;
}

/**
 * The live sequences (active, or active with a draft revision) of one record type that the caller may connect
 * a record to, by name. The permission scope is part of the query, so every allowed sequence is found however
 * many others the organisation has.
 */
export async function listConnectableSequences(
  db: Kysely<Database>,
  orgId: string,
  recordType: RecordType,
  scope: SequenceVisibility,
): Promise<ConnectableSequence[]> {
  return db
    .selectFrom('sequences as s')
    .select(['s.id', 's.name', 's.description'])
    .where('s.org_id', '=', orgId)
    .where('s.record_type', '=', recordType)
    .where('s.status', 'in', ['active', 'revision'])
    .where('s.active_version_id', 'is not', null)
    .where(sequenceVisibleWhere(orgId, scope))
    .orderBy('s.name')
    .orderBy('s.id')
    .execute();
}
