import { type Compilable, CompiledQuery, type Kysely, sql } from 'kysely';
import { type DialectName, SQLITE_OPTIMIZE } from '../db.ts';
import type { Database } from '../schema.ts';

/** One table access in a query plan. `full`: every row (or every index entry) is read, not a key range. */
export interface PlanAccess {
  /** The table's name or alias as the plan shows it (SQLite shows the alias, PostgreSQL both). */
  names: string[];
  full: boolean;
  detail: string;
}

/** The table accesses of a statement's plan: SQLite `EXPLAIN QUERY PLAN`, PostgreSQL `EXPLAIN (FORMAT JSON)`. */
export async function explainAccesses(
  db: Kysely<Database>,
  dialect: DialectName,
  query: Compilable,
): Promise<PlanAccess[]> {
  const compiled = query.compile();
  if (dialect === 'sqlite') {
    const result = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`EXPLAIN QUERY PLAN ${compiled.sql}`, [...compiled.parameters]),
    );
    return result.rows.flatMap((row) => {
      const match = /^(SCAN|SEARCH) (\S+)/.exec(row.detail);
      if (!match || match[2] === 'CONSTANT') return [];
      return [{ names: [match[2] as string], full: match[1] === 'SCAN', detail: row.detail }];
    });
  }
  const result = await db.executeQuery<{ 'QUERY PLAN': PgPlanRoot[] }>(
    CompiledQuery.raw(`EXPLAIN (FORMAT JSON) ${compiled.sql}`, [...compiled.parameters]),
  );
  const accesses: PlanAccess[] = [];
  const walk = (node: PgPlanNode) => {
    const relation = node['Relation Name'];
    if (relation) {
      // A bitmap heap scan names its indexes on its Bitmap Index Scan children.
      const indexes = indexesUnder(node);
      accesses.push({
        names: [relation, node.Alias ?? relation],
        full: node['Node Type'] === 'Seq Scan',
        detail: `${node['Node Type']} on ${relation}${indexes.length > 0 ? ` using ${indexes.join(', ')}` : ''}`,
      });
    }
    for (const child of node.Plans ?? []) walk(child);
  };
  for (const root of result.rows[0]?.['QUERY PLAN'] ?? []) walk(root.Plan);
  return accesses;
}

/** The indexes a scan node reads: its own, or those of its Bitmap Index Scan / BitmapOr children. */
function indexesUnder(node: PgPlanNode): string[] {
  const own = node['Index Name'] ? [node['Index Name']] : [];
  return [...own, ...(node.Plans ?? []).filter((child) => !child['Relation Name']).flatMap(indexesUnder)];
}

interface PgPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  Plans?: PgPlanNode[];
}
interface PgPlanRoot {
  Plan: PgPlanNode;
}

/** Refreshes the planner's statistics for these tables (after a bulk load). */
export async function analyzeTables(
  db: Kysely<Database>,
  dialect: DialectName,
  tables: string[],
): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`ANALYZE`.execute(db);
    return;
  }
  for (const table of tables) await sql`ANALYZE ${sql.table(table)}`.execute(db);
}

/**
 * What an open SQLite store does by itself at open and hourly (db.ts): statistics for tables that lack them or
 * have grown. Tests call it after a bulk load to see the plans a running server would use.
 */
export async function optimizeLikeARunningStore(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  if (dialect === 'sqlite') await sql.raw(`PRAGMA ${SQLITE_OPTIMIZE}`).execute(db);
}
