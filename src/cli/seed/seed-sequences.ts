import type { AppDeps } from '../../api/deps.ts';
import type { RecordType } from '../../domain/sequence/definition.ts';
import { findBuiltinSequence, instantiateBuiltin } from '../../domain/templates/builtin-sequences.ts';
import { connectRecordIds } from '../../engine/bulk-connect.ts';
import { loadOrgPolicy, loadSequenceForConnect } from '../../store/repos/connections-repo.ts';
import { writeTransaction } from '../../store/repos/engine-repo.ts';
import { loadActor } from '../../store/repos/identity-repo.ts';
import { openRecordIdsOfOwner } from '../../store/repos/seed-records-repo.ts';
import { activateSequence, insertSequence } from '../../store/repos/sequences-repo.ts';

/** The built-in templates the demo runs from the first visit: both start with a manual step (a call, a task). */
export const DEMO_SEQUENCES: { template: string; recordType: RecordType }[] = [
  { template: 'product-demo-request', recordType: 'opportunity' },
  { template: 'account-renewal', recordType: 'account' },
];

/** Records per seller and sequence connected by the demo. */
const PER_SELLER = 4;

export interface DemoSequenceInput {
  orgId: string;
  /** Owner of the sequences (the demo's sequence manager) and their business unit. */
  ownerId: string;
  businessUnitId: string;
  /** Sellers whose open records are connected, each by themselves (the one connect path, source `manual`). */
  sellerIds: string[];
}

/**
 * Two active sequences from the built-in templates, with a few open records of each seller connected, so the
 * work list, Up next and Insights show something on the first visit. The engine applies the `connected` events
 * as it would for any connection.
 */
export async function seedDemoSequences(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  input: DemoSequenceInput,
): Promise<number> {
  const { store } = deps;
  let connected = 0;
  for (const demo of DEMO_SEQUENCES) {
    const template = findBuiltinSequence(demo.template);
    if (!template) throw new Error(`unknown built-in sequence ${demo.template}`);
    const now = deps.clock.now();
    const row = await writeTransaction(store, (trx) =>
      insertSequence(trx, {
        orgId: input.orgId,
        actorId: input.ownerId,
        ownerId: input.ownerId,
        businessUnitId: input.businessUnitId,
        name: template.name.en,
        description: template.description.en,
        recordType: template.recordType,
        definition: instantiateBuiltin(template, 'en'),
        now,
        auditExtra: { fromTemplate: `builtin:${template.key}` },
      }),
    );
    await activateSequence(store, { orgId: input.orgId, id: row.id, actorId: input.ownerId, now });
    for (const sellerId of input.sellerIds) {
      connected += await writeTransaction(store, async (trx) => {
        const actor = await loadActor(trx, input.orgId, sellerId);
        const sequence = await loadSequenceForConnect(trx, input.orgId, row.id);
        if (!actor || !sequence) return 0;
        const recordIds = await openRecordIdsOfOwner(trx, input.orgId, sellerId, demo.recordType, PER_SELLER);
        const outcomes = await connectRecordIds(trx, {
          orgId: input.orgId,
          sequence,
          actor,
          policy: await loadOrgPolicy(trx, input.orgId),
          recordIds,
          now: deps.clock.now(),
          source: 'manual',
        });
        return outcomes.filter((outcome) => outcome.status === 'connected').length;
      });
    }
  }
  return connected;
}
