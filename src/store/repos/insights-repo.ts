import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Live insights (SPEC.md §8): counted from the operational tables at request time, so they are never stale.
 * Every query is bounded by org, sequence and a time window and uses the org-leading indexes.
 */

export interface StepCounts {
  nodeId: string;
  name: string;
  kind: string;
  completed: number;
  skipped: number;
  canceled: number;
  failed: number;
  open: number;
}

export interface EmailCounts {
  sent: number;
  opened: number;
  clicked: number;
  replied: number;
  bounced: number;
}

export interface VariantCounts extends EmailCounts {
  nodeId: string;
  variant: string;
}

const count = (value: unknown): number => Number(value ?? 0);

export async function connectionCountsByStatus(
  db: Kysely<Database>,
  orgId: string,
  sequenceId: string,
  since: number,
): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('connections')
    .select(['status', db.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .where('connected_at', '>=', since)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, count(row.n)]));
}

export async function stepCounts(
  db: Kysely<Database>,
  orgId: string,
  sequenceId: string,
  since: number,
): Promise<StepCounts[]> {
  const rows = await db
    .selectFrom('step_instances')
    .select(['node_id', 'kind', 'status', db.fn.max('name').as('name'), db.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .where('created_at', '>=', since)
    .groupBy(['node_id', 'kind', 'status'])
    .execute();
  const byNode = new Map<string, StepCounts>();
  for (const row of rows) {
    const entry = byNode.get(row.node_id) ?? {
      nodeId: row.node_id,
      name: String(row.name ?? ''),
      kind: row.kind,
      completed: 0,
      skipped: 0,
      canceled: 0,
      failed: 0,
      open: 0,
    };
    const n = count(row.n);
    switch (row.status) {
      case 'completed':
        entry.completed += n;
        break;
      case 'skipped':
        entry.skipped += n;
        break;
      case 'canceled':
        entry.canceled += n;
        break;
      case 'failed':
        entry.failed += n;
        break;
      case 'upcoming':
      case 'due':
      case 'waiting':
        entry.open += n;
        break;
    }
    byNode.set(row.node_id, entry);
  }
  return [...byNode.values()];
}

/** Sent messages of the sequence and how many of them had at least one event of each kind (machine opens excluded). */
export async function emailCountsByVariant(
  db: Kysely<Database>,
  orgId: string,
  sequenceId: string,
  since: number,
): Promise<VariantCounts[]> {
  const hasEvent = (type: string, humanOnly = false) =>
    sql<number>`count(distinct case when e.type = ${type}${humanOnly ? sql` and e.machine = 0` : sql``} then m.id end)`;
  const rows = await db
    .selectFrom('outbound_messages as m')
    .innerJoin('connections as c', (join) =>
      join.onRef('c.org_id', '=', 'm.org_id').onRef('c.id', '=', 'm.connection_id'),
    )
    .leftJoin('step_instances as s', (join) =>
      join.onRef('s.org_id', '=', 'm.org_id').onRef('s.id', '=', 'm.step_instance_id'),
    )
    .leftJoin('engagement_events as e', (join) =>
      join.onRef('e.org_id', '=', 'm.org_id').onRef('e.outbound_message_id', '=', 'm.id'),
    )
    .select([
      sql<string>`coalesce(s.node_id, '')`.as('node_id'),
      sql<string>`coalesce(m.variant, '')`.as('variant'),
      sql<number>`count(distinct m.id)`.as('sent'),
      hasEvent('open', true).as('opened'),
      hasEvent('click').as('clicked'),
      hasEvent('reply').as('replied'),
      hasEvent('bounce').as('bounced'),
    ])
    .where('m.org_id', '=', orgId)
    .where('c.sequence_id', '=', sequenceId)
    .where('m.status', 'in', ['sent', 'bounced'])
    .where('m.sent_at', '>=', since)
    .groupBy([sql`coalesce(s.node_id, '')`, sql`coalesce(m.variant, '')`])
    .execute();
  return rows.map((row) => ({
    nodeId: row.node_id,
    variant: row.variant,
    sent: count(row.sent),
    opened: count(row.opened),
    clicked: count(row.clicked),
    replied: count(row.replied),
    bounced: count(row.bounced),
  }));
}

/** Connections started per period and how many of them ended in the success reason (qualified / won). */
export async function successByPeriod(
  db: Kysely<Database>,
  orgId: string,
  sequenceId: string,
  since: number,
  periodMs: number,
  successReasons: string[],
): Promise<{ periodStart: number; connected: number; succeeded: number }[]> {
  const rows = await db
    .selectFrom('connections')
    .select(['connected_at', 'reason'])
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .where('connected_at', '>=', since)
    .execute();
  const periods = new Map<number, { periodStart: number; connected: number; succeeded: number }>();
  for (const row of rows) {
    const periodStart = since + Math.floor((row.connected_at - since) / periodMs) * periodMs;
    const entry = periods.get(periodStart) ?? { periodStart, connected: 0, succeeded: 0 };
    entry.connected += 1;
    if (row.reason && successReasons.includes(row.reason)) entry.succeeded += 1;
    periods.set(periodStart, entry);
  }
  return [...periods.values()].sort((a, b) => a.periodStart - b.periodStart);
}

export interface SellerCounts {
  ownerId: string;
  ownerName: string;
  completed: number;
  skipped: number;
  open: number;
  overdue: number;
}

/**
 * Work done and overdue per seller among the given owners. `overdueBefore`: a due step counts as overdue when it
 * fell due before this (the work list's grace applied by the caller, so both say the same).
 */
export async function sellerCounts(
  db: Kysely<Database>,
  orgId: string,
  ownerIds: string[],
  since: number,
  overdueBefore: number,
): Promise<SellerCounts[]> {
  if (ownerIds.length === 0) return [];
  const rows = await sellerCountsQuery(db, orgId, ownerIds, since, overdueBefore).execute();
  return rows.map((row) => ({
    ownerId: row.owner_id,
    ownerName: row.name,
    completed: count(row.completed),
    skipped: count(row.skipped),
    open: count(row.open),
    overdue: count(row.overdue),
  }));
}

/** Seller counts as one statement: it reads the owners' steps through `step_instances_owner`. */
export function sellerCountsQuery(
  db: Kysely<Database>,
  orgId: string,
  ownerIds: string[],
  since: number,
  overdueBefore: number,
) {
  return db
    .selectFrom('step_instances as s')
    .innerJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 's.org_id').onRef('u.id', '=', 's.owner_id'),
    )
    .select([
      's.owner_id',
      'u.name',
      sql<number>`sum(case when s.status = 'completed' and s.completed_at >= ${since} then 1 else 0 end)`.as(
        'completed',
      ),
      sql<number>`sum(case when s.status = 'skipped' and s.updated_at >= ${since} then 1 else 0 end)`.as(
        'skipped',
      ),
      sql<number>`sum(case when s.status = 'due' then 1 else 0 end)`.as('open'),
      sql<number>`sum(case when s.status = 'due' and s.due_at < ${overdueBefore} then 1 else 0 end)`.as(
        'overdue',
      ),
    ])
    .where('s.org_id', '=', orgId)
    .where('s.owner_id', 'in', ownerIds)
    .groupBy(['s.owner_id', 'u.name']);
}

/** The sequence fields insights need, with its shares for the permission check. */
export async function sequenceForInsights(db: Kysely<Database>, orgId: string, sequenceId: string) {
  const sequence = await db
    .selectFrom('sequences')
    .select(['id', 'name', 'record_type', 'owner_id', 'business_unit_id'])
    .where('org_id', '=', orgId)
    .where('id', '=', sequenceId)
    .executeTakeFirst();
  if (!sequence) return undefined;
  const shares = await db
    .selectFrom('sequence_shares')
    .select(['principal_id', 'principal_type'])
    .where('org_id', '=', orgId)
    .where('sequence_id', '=', sequenceId)
    .execute();
  return {
    ...sequence,
    ref: {
      ownerId: sequence.owner_id,
      businessUnitId: sequence.business_unit_id,
      sharedWithUserIds: shares.filter((s) => s.principal_type === 'user').map((s) => s.principal_id),
      sharedWithBusinessUnitIds: shares
        .filter((s) => s.principal_type === 'business_unit')
        .map((s) => s.principal_id),
    },
  };
}

/** Active users whose work the actor may see in reports: everyone in the actor's unit and the units below it. */
export async function usersInUnits(db: Kysely<Database>, orgId: string, businessUnitIds: string[]) {
  if (businessUnitIds.length === 0) return [];
  return db
    .selectFrom('users')
    .select(['id', 'name'])
    .where('org_id', '=', orgId)
    .where('business_unit_id', 'in', businessUnitIds)
    .where('active', '=', 1)
    .execute();
}
