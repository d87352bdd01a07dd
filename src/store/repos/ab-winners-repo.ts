import { type Kysely, type Selectable, sql } from 'kysely';
import type { AbWinnersTable, Database } from '../schema.ts';

export type AbWinnerRow = Selectable<AbWinnersTable>;

/** Decided winners of these sequence versions. */
export async function loadAbWinners(
  db: Kysely<Database>,
  keys: { orgId: string; versionId: string }[],
): Promise<AbWinnerRow[]> {
  const rows: AbWinnerRow[] = [];
  const byOrg = new Map<string, Set<string>>();
  for (const k of keys) byOrg.set(k.orgId, (byOrg.get(k.orgId) ?? new Set()).add(k.versionId));
  for (const [orgId, ids] of byOrg) {
    rows.push(
      ...(await db
        .selectFrom('ab_winners')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('version_id', 'in', [...ids])
        .execute()),
    );
  }
  return rows;
}

export async function winnersOfSequence(
  db: Kysely<Database>,
  orgId: string,
  sequenceId: string,
): Promise<AbWinnerRow[]> {
  return db
    .selectFrom('ab_winners')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .execute();
}

/** Records an automatic decision; a winner already there (automatic or by hand) stays. */
export async function insertAbWinner(db: Kysely<Database>, row: AbWinnerRow): Promise<boolean> {
  const result = await db
    .insertInto('ab_winners')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'version_id', 'node_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Sent emails of one A/B-tested step of one version, per variant, and how many of them were opened (by a
 * person), clicked or replied to.
 */
export async function abVariantFigures(
  db: Kysely<Database>,
  key: { orgId: string; versionId: string; nodeId: string },
): Promise<{ variant: string; sent: number; opened: number; clicked: number; replied: number }[]> {
  const has = (type: string, humanOnly = false) =>
    sql<number>`count(distinct case when e.type = ${type}${humanOnly ? sql` and e.machine = 0` : sql``} then m.id end)`;
  const rows = await db
    .selectFrom('outbound_messages as m')
    .innerJoin('connections as c', (join) =>
      join.onRef('c.org_id', '=', 'm.org_id').onRef('c.id', '=', 'm.connection_id'),
    )
    .innerJoin('step_instances as s', (join) =>
      join.onRef('s.org_id', '=', 'm.org_id').onRef('s.id', '=', 'm.step_instance_id'),
    )
    .leftJoin('engagement_events as e', (join) =>
      join.onRef('e.org_id', '=', 'm.org_id').onRef('e.outbound_message_id', '=', 'm.id'),
    )
    .select([
      'm.variant',
      sql<number>`count(distinct m.id)`.as('sent'),
      has('open', true).as('opened'),
      has('click').as('clicked'),
      has('reply').as('replied'),
    ])
    .where('m.org_id', '=', key.orgId)
    .where('c.version_id', '=', key.versionId)
    .where('s.node_id', '=', key.nodeId)
    .where('m.status', 'in', ['sent', 'bounced'])
    .where('m.variant', 'is not', null)
    .groupBy('m.variant')
    .execute();
  return rows.map((row) => ({
    variant: row.variant ?? '',
    sent: Number(row.sent),
    opened: Number(row.opened),
    clicked: Number(row.clicked),
    replied: Number(row.replied),
  }));
}

/** A person's choice: replaces any winner of this step in this version (automatic or earlier manual). */
export async function setAbWinner(db: Kysely<Database>, row: AbWinnerRow): Promise<void> {
  await db
    .insertInto('ab_winners')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['org_id', 'version_id', 'node_id']).doUpdateSet({
        variant: row.variant,
        metric: row.metric,
        decided_by: row.decided_by,
        data_json: row.data_json,
        decided_at: row.decided_at,
      }),
    )
    .execute();
}

/** The stored definition JSON of one sequence version. */
export async function versionDefinitionJson(
  db: Kysely<Database>,
  orgId: string,
  versionId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('sequence_versions')
    .select('definition_json')
    .where('org_id', '=', orgId)
    .where('id', '=', versionId)
    .executeTakeFirst();
  return row?.definition_json ?? null;
}
