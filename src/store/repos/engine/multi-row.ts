import { CompiledQuery, type Kysely, PostgresAdapter } from 'kysely';
import type { Database } from '../../schema.ts';

/**
 * Multi-row statement builders shared by the engine's store modules: chunking, per-org grouping, and the
 * precompiled multi-row INSERT / UPDATE that both dialects run (PostgreSQL through `unnest` arrays).
 */

/** Rows per multi-row statement: well below both dialects' bound-parameter limits. */
export const CHUNK = 400;

export function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * Bound parameters per hot multi-row statement (SQLite allows 32,766, PostgreSQL 65,535). Rows per statement
 * follow from the column count, so wide rows and narrow rows both make few, large statements.
 */
const MAX_PARAMS = 12_000;

export type Cell = string | number | null;

/** Element types of the engine tables' non-text columns, for PostgreSQL `unnest($n::type[])` inserts. */
const PG_ARRAY_TYPES: Record<string, string> = {
  due_at: 'bigint',
  created_at: 'bigint',
  updated_at: 'bigint',
  completed_at: 'bigint',
  read_at: 'bigint',
  lease_until: 'bigint',
  not_before: 'bigint',
  sent_at: 'bigint',
  connected_at: 'bigint',
  ended_at: 'bigint',
  occurred_at: 'bigint',
  next_attempt_at: 'bigint',
  priority: 'integer',
  attempts: 'integer',
  tracking: 'integer',
  response_status: 'integer',
  do_not_email: 'integer',
  do_not_call: 'integer',
};

function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** `?` for SQLite, `$n` for PostgreSQL (n counts from 1 across the statement). */
function placeholders(pg: boolean, start: number, count: number): string {
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = pg ? `$${start + i + 1}` : '?';
  return `(${out.join(', ')})`;
}

/**
 * The engine's hot writes, as precompiled multi-row statements: the SQL text is built directly (no query-builder
 * tree per row), and the same text recurs for same-sized chunks, so SQLite's statement cache and PostgreSQL's
 * plan reuse both apply. `tail` follows the VALUES list (ON CONFLICT …, RETURNING …).
 */
export async function insertRows<T extends object, R = unknown>(
  db: Kysely<Database>,
  table: string,
  columns: (keyof T & string)[],
  rows: T[],
  tail = '',
): Promise<R[]> {
  const pg = isPostgres(db);
  const out: R[] = [];
  if (pg) {
    // One array per column: a constant-size statement however many rows (parsed and planned once, not per row).
    const arrays = columns.map((column) =>
      rows.map((row) => (row as Record<string, unknown>)[column] ?? null),
    );
    const list = columns.map((column, i) => `$${i + 1}::${PG_ARRAY_TYPES[column] ?? 'text'}[]`).join(', ');
    const text = `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${list}) ${tail}`;
    if (rows.length === 0) return out;
    const result = await db.executeQuery<R>(CompiledQuery.raw(text, arrays));
    out.push(...result.rows);
    return out;
  }
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
  for (let from = 0; from < rows.length; from += perStatement) {
    const part = rows.slice(from, from + perStatement);
    const params: Cell[] = [];
    const tuples = new Array<string>(part.length);
    for (let r = 0; r < part.length; r++) {
      const row = part[r] as Record<string, unknown>;
      tuples[r] = placeholders(pg, params.length, columns.length);
      for (const column of columns) params.push((row[column] ?? null) as Cell);
    }
    const result = await db.executeQuery<R>(CompiledQuery.raw(`${head}${tuples.join(', ')} ${tail}`, params));
    out.push(...result.rows);
  }
  return out;
}

/**
 * `UPDATE table SET col = v.col, … FROM (VALUES …) v WHERE table.org_id = v.org_id AND table.id = v.id` with
 * PostgreSQL casts from the VALUES list's text to each column's type (`casts`).
 */
export async function updateRows(
  db: Kysely<Database>,
  table: string,
  columns: string[],
  rows: Cell[][],
  casts: Record<string, string> = {},
): Promise<void> {
  const pg = isPostgres(db);
  const all = ['org_id', 'id', ...columns];
  if (pg) {
    if (rows.length === 0) return;
    const arrays = all.map((_, i) => rows.map((row) => row[i] ?? null));
    const list = all.map((column, i) => `$${i + 1}::${PG_ARRAY_TYPES[column] ?? 'text'}[]`).join(', ');
    const assignments = columns.map((c) => `${c} = v.${c}`).join(', ');
    await db.executeQuery(
      CompiledQuery.raw(
        `UPDATE ${table} AS t SET ${assignments} FROM unnest(${list}) AS v(${all.join(', ')}) WHERE t.org_id = v.org_id AND t.id = v.id`,
        arrays,
      ),
    );
    return;
  }
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / all.length));
  const set = columns.map((c) => `${c} = v.${c}${pg && casts[c] ? `::${casts[c]}` : ''}`).join(', ');
  for (let from = 0; from < rows.length; from += perStatement) {
    const part = rows.slice(from, from + perStatement);
    const params: Cell[] = [];
    const tuples = new Array<string>(part.length);
    for (let r = 0; r < part.length; r++) {
      tuples[r] = placeholders(pg, params.length, all.length);
      for (const cell of part[r] as Cell[]) params.push(cell);
    }
    const values = tuples.join(', ');
    const text = pg
      ? `UPDATE ${table} AS t SET ${set} FROM (VALUES ${values}) AS v(${all.join(', ')}) WHERE t.org_id = v.org_id AND t.id = v.id`
      : `WITH v(${all.join(', ')}) AS (VALUES ${values}) UPDATE ${table} SET ${set} FROM v WHERE ${table}.org_id = v.org_id AND ${table}.id = v.id`;
    await db.executeQuery(CompiledQuery.raw(text, params));
  }
}

export function byOrg<T>(
  items: T[],
  orgOf: (item: T) => string,
  idOf: (item: T) => string,
): Map<string, string[]> {
  const map = new Map<string, Set<string>>();
  for (const item of items) {
    const org = orgOf(item);
    const ids = map.get(org) ?? new Set<string>();
    map.set(org, ids);
    ids.add(idOf(item));
  }
  return new Map([...map].map(([org, ids]) => [org, [...ids]]));
}

export const columnsOf = <T extends object>(rows: T[]) => Object.keys(rows[0] ?? {}) as (keyof T & string)[];
