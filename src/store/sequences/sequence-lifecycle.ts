import { type Kysely, sql } from 'kysely';
import {
  assertCanDeactivate,
  assertCanStartRevision,
  decideActivation,
  isLive,
  needsNewVersion,
} from '../../domain/sequence/lifecycle.ts';
import { validateDefinition } from '../../domain/sequence/validate.ts';
import type { DialectName, Store } from '../db.ts';
import { newId } from '../ids.ts';
import { recordAudit } from '../repos/audit-repo.ts';
import { LIVE_STATUSES } from '../repos/connections-repo.ts';
import { writeTransaction } from '../repos/engine-repo.ts';
import type { Database } from '../schema.ts';
import { insertSequence } from './edit-sequence.ts';
import {
  loadValidationContext,
  parseStoredDefinition,
  requireSequence,
  type SequenceRow,
  type VersionRow,
} from './sequence-rows.ts';

/** Activate, deactivate, revise, copy and delete a sequence. */

// ── Lifecycle ─────────────────────────────────────────────────────────────────────────────────────────────
/** Serialises activations of one organisation: PostgreSQL locks the org row; SQLite already holds the write lock. */
async function lockOrg(db: Kysely<Database>, dialect: DialectName, orgId: string): Promise<void> {
  if (dialect === 'postgres') {
    await db.selectFrom('orgs').select('id').where('id', '=', orgId).forUpdate().execute();
  }
}

async function latestVersion(db: Kysely<Database>, orgId: string, sequenceId: string) {
  return db
    .selectFrom('sequence_versions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Activates the draft: validates it, enforces the active-sequence limit and creates the next immutable version,
 * all in one write transaction that holds the organisation's lock, so concurrent activations cannot both pass
 * the limit.
 */
export async function activateSequence(
  store: Store,
  input: { orgId: string; id: string; actorId: string; changeNote?: string | null; now: number },
): Promise<{ row: SequenceRow; version: VersionRow; created: boolean }> {
  return writeTransaction(store, async (trx) => {
    await lockOrg(trx, store.dialect, input.orgId);
    const row = await requireSequence(trx, input.orgId, input.id);
    const draft = parseStoredDefinition(row.draft_json);
    const problems = validateDefinition(
      draft,
      await loadValidationContext(trx, input.orgId, row.record_type, {
        sequenceId: row.id,
        viewerIds: [row.owner_id, input.actorId],
      }),
    );
    const live = await trx
      .selectFrom('sequences')
      .select(sql<number>`count(*)`.as('n'))
      .where('org_id', '=', input.orgId)
      .where('status', 'in', ['active', 'revision'])
      .where('id', '!=', row.id)
      .executeTakeFirstOrThrow();
    const { changeNote } = decideActivation({
      status: row.status,
      problems,
      otherLiveCount: Number(live.n),
      changeNote: input.changeNote,
    });
    const latest = await latestVersion(trx, input.orgId, row.id);
    let version: VersionRow;
    let created = false;
    if (latest && !needsNewVersion(draft, parseStoredDefinition(latest.definition_json), row.status)) {
      version = latest;
    } else {
      version = {
        org_id: input.orgId,
        id: newId(input.now),
        sequence_id: row.id,
        version: (latest?.version ?? 0) + 1,
        definition_json: JSON.stringify(draft),
        change_note: changeNote,
        created_by: input.actorId,
        created_at: input.now,
      };
      await trx.insertInto('sequence_versions').values(version).execute();
      created = true;
    }
    await trx
      .updateTable('sequences')
      .set({ status: 'active', active_version_id: version.id, updated_at: input.now })
      .where('org_id', '=', input.orgId)
      .where('id', '=', row.id)
      .execute();
    await recordAudit(trx, {
      orgId: input.orgId,
      actorId: input.actorId,
      action: 'sequence.activate',
      resourceType: 'sequence',
      resourceId: row.id,
      before: { status: row.status },
      after: { status: 'active', version: version.version, changeNote: version.change_note },
      at: input.now,
    });
    return {
      row: { ...row, status: 'active' as const, active_version_id: version.id, updated_at: input.now },
      version,
      created,
    };
  });
}

/** Ids of the sequence's live (active or paused) connections. */
export async function liveConnectionIdsOfSequence(
  db: Kysely<Database>,
  orgId: string,
  sequenceId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('connections')
    .select('id')
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .where('status', 'in', LIVE_STATUSES)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * How the sequence's live connections end: the engine's exit (`exitConnections`), injected so the store does
 * not decide lifecycle. Returns how many ended.
 */
export type EndSequenceConnections = (
  db: Kysely<Database>,
  input: { orgId: string; connectionIds: string[]; reason: 'sequence_deactivated' | 'sequence_deleted' },
) => Promise<number>;

/** Active/revision → inactive. With `endConnections`, live connections end (reason `sequence_deactivated`). */
export async function deactivateSequence(
  db: Kysely<Database>,
  input: {
    orgId: string;
    id: string;
    actorId: string;
    endConnections: EndSequenceConnections | null;
    now: number;
    reason?: 'sequence_deactivated' | 'sequence_deleted';
  },
): Promise<{ row: SequenceRow; disconnected: number }> {
  const row = await requireSequence(db, input.orgId, input.id);
  assertCanDeactivate(row.status);
  await db
    .updateTable('sequences')
    .set({ status: 'inactive', updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', row.id)
    .execute();
  const disconnected = input.endConnections
    ? await input.endConnections(db, {
        orgId: input.orgId,
        connectionIds: await liveConnectionIdsOfSequence(db, input.orgId, row.id),
        reason: input.reason ?? 'sequence_deactivated',
      })
    : 0;
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'sequence.deactivate',
    resourceType: 'sequence',
    resourceId: row.id,
    before: { status: row.status },
    after: { status: 'inactive', disconnected },
    at: input.now,
  });
  return { row: { ...row, status: 'inactive', updated_at: input.now }, disconnected };
}

/** Active → revision: the draft becomes a copy of the running version; connections keep running it. */
export async function startRevision(
  db: Kysely<Database>,
  input: { orgId: string; id: string; actorId: string; now: number },
): Promise<SequenceRow> {
  const row = await requireSequence(db, input.orgId, input.id);
  assertCanStartRevision(row.status);
  const active = row.active_version_id
    ? await db
        .selectFrom('sequence_versions')
        .select(['definition_json', 'version'])
        .where('org_id', '=', input.orgId)
        .where('id', '=', row.active_version_id)
        .executeTakeFirst()
    : undefined;
  const draft_json = active?.definition_json ?? row.draft_json;
  await db
    .updateTable('sequences')
    .set({ status: 'revision', draft_json, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('id', '=', row.id)
    .execute();
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'sequence.start_revision',
    resourceType: 'sequence',
    resourceId: row.id,
    before: { status: row.status, version: active?.version ?? null },
    after: { status: 'revision' },
    at: input.now,
  });
  return { ...row, status: 'revision', draft_json, updated_at: input.now };
}

/** Full snapshot (draft, description, record type, tags) under a new name; inactive, owned by the caller. */
export async function copySequence(
  db: Kysely<Database>,
  input: { orgId: string; id: string; actorId: string; businessUnitId: string; name: string; now: number },
): Promise<SequenceRow> {
  const source = await requireSequence(db, input.orgId, input.id);
  const copy = await insertSequence(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    ownerId: input.actorId,
    businessUnitId: input.businessUnitId,
    name: input.name,
    description: source.description,
    recordType: source.record_type,
    definition: parseStoredDefinition(source.draft_json),
    now: input.now,
    action: 'sequence.copy',
    auditExtra: { copiedFrom: source.id },
  });
  const tags = await db
    .selectFrom('sequence_tags')
    .select('tag_id')
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', source.id)
    .execute();
  if (tags.length > 0) {
    await db
      .insertInto('sequence_tags')
      .values(tags.map((t) => ({ org_id: input.orgId, sequence_id: copy.id, tag_id: t.tag_id })))
      .execute();
  }
  return copy;
}

/** Deletes for good; a live sequence is deactivated and its records disconnected first. */
export async function deleteSequence(
  db: Kysely<Database>,
  input: { orgId: string; id: string; actorId: string; now: number; endConnections: EndSequenceConnections },
): Promise<{ disconnected: number }> {
  const row = await requireSequence(db, input.orgId, input.id);
  let disconnected = 0;
  if (isLive(row.status)) {
    disconnected = (await deactivateSequence(db, { ...input, reason: 'sequence_deleted' })).disconnected;
  }
  await db
    .deleteFrom('sequence_versions')
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', row.id)
    .execute();
  await db
    .deleteFrom('sequence_tags')
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', row.id)
    .execute();
  await db
    .deleteFrom('sequence_shares')
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', row.id)
    .execute();
  await db
    .updateTable('segments')
    .set({ enabled: 0, updated_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('sequence_id', '=', row.id)
    .execute();
  await db.deleteFrom('sequences').where('org_id', '=', input.orgId).where('id', '=', row.id).execute();
  await recordAudit(db, {
    orgId: input.orgId,
    actorId: input.actorId,
    action: 'sequence.delete',
    resourceType: 'sequence',
    resourceId: row.id,
    before: { name: row.name, status: row.status },
    after: { disconnected },
    at: input.now,
  });
  return { disconnected };
}
