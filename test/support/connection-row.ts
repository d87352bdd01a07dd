import { initialState, serializeState } from '../../src/domain/engine/state.ts';
import { newId } from '../../src/store/ids.ts';
import type { ConnectionsTable, RecordsTable, StepInstancesTable } from '../../src/store/schema.ts';
import { SELLER, T0 } from '../engine/engine-fixtures.ts';
import { ORG_ID } from './world.ts';

/** A live connection row for `record`, as a manual connect at `at` writes it (for store-level tests). */
export function connectionRow(
  record: RecordsTable,
  sequenceId: string,
  versionId: string,
  at = T0,
): ConnectionsTable {
  return {
    org_id: ORG_ID,
    id: newId(at),
    record_id: record.id,
    sequence_id: sequenceId,
    version_id: versionId,
    status: 'active',
    state_json: serializeState(initialState()),
    current_node_id: null,
    reason: null,
    owner_id: record.owner_id,
    connected_by: SELLER,
    connected_at: at,
    ended_at: null,
    updated_at: at,
  };
}

/**
 * A step instance row (for store-level tests): `fields` names the step and where it belongs; the rest is an
 * unfinished step with nothing recorded, created at T0.
 */
export function stepInstanceRow(
  fields: Pick<
    StepInstancesTable,
    'id' | 'connection_id' | 'record_id' | 'sequence_id' | 'node_id' | 'kind' | 'name' | 'status' | 'owner_id'
  > &
    Partial<StepInstancesTable>,
): StepInstancesTable {
  return {
    org_id: ORG_ID,
    due_at: T0,
    priority: 0,
    outcome: null,
    note: null,
    variant: null,
    completed_at: null,
    completed_by: null,
    read_at: null,
    created_at: T0,
    updated_at: T0,
    ...fields,
  };
}
