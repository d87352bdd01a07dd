import { CompiledQuery, type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';
import { insertColumnar } from '../../connections/columnar-insert.ts';
import { rowBatch } from '../../db.ts';
import { pgArrayLiteral } from '../../pg-array-literal.ts';
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

/**
 * SQLite: rows per multi-row statement. Fixed, so each statement has two texts (this many rows, and one row for
 * the rest), each prepared once and kept in the store's statement cache. A text per batch size (as before) made
 * SQLite compile and keep a new program of about 1 MiB for every remainder size (native memory of the worker),
 * while a multi-row VALUES list still costs less CPU per row than one statement per row.
 */
const SQLITE_ROWS = 100;

/**
 * Runs `text(n)` (a statement for n rows) over rows given as one flat list of `width` cells per row: full groups
 * of SQLITE_ROWS, then the rest row by row, each as one row batch (one call from Kysely).
 */
async function runSqlite<R>(
  db: Kysely<Database>,
  text: (rows: number) => string,
  flat: Cell[],
  width: number,
): Promise<R[]> {
  const out: R[] = [];
  const rows = flat.length / width;
  const full = rows - (rows % SQLITE_ROWS);
  const run = async (sqlText: string, params: Cell[][]) => {
    if (params.length === 0) return;
    const result = await db.executeQuery<R>(CompiledQuery.raw(sqlText, rowBatch(params)));
    for (const row of result.rows) out.push(row);
  };
  const groups: Cell[][] = [];
  for (let r = 0; r < full; r += SQLITE_ROWS) groups.push(flat.slice(r * width, (r + SQLITE_ROWS) * width));
  await run(text(SQLITE_ROWS), groups);
  const rest: Cell[][] = [];
  for (let r = full; r < rows; r++) rest.push(flat.slice(r * width, (r + 1) * width));
  await run(text(1), rest);
  return out;
}

/** `(?, ?, …)`: one row's placeholders (SQLite). */
const placeholders = (count: number) => `(${new Array<string>(count).fill('?').join(', ')})`;

/**
 * The engine's hot writes, with the SQL text built directly (no query-builder tree per row). PostgreSQL: one
 * `INSERT … SELECT … FROM unnest(arrays)` (`insertColumnar`: a varying column as one array literal, a column equal
 * in every row as one scalar), one statement whatever the row count. SQLite, in-process: multi-row VALUES lists
 * of a fixed size, then single rows (`runSqlite`), leaving out columns that are NULL in every row and default to
 * NULL. `tail` follows the rows (ON CONFLICT …, RETURNING …).
 */
export async function insertRows<T extends object, R = unknown>(
  db: Kysely<Database>,
  table: string,
  columns: (keyof T & string)[],
  rows: T[],
  tail = '',
): Promise<R[]> {
  if (isPostgres(db)) {
    // Columns that vary go as one array each, columns equal in every row (the organisation, the batch's time, the
    // empty fields of a new row) as one scalar: a statement of constant size whatever the row count.
    return insertColumnar<R>(db, table, rows, { columns, types: PG_ARRAY_TYPES, tail });
  }
  // SQLite binds and stores every listed column of every row: columns NULL in all rows whose default is NULL
  // anyway are left out of the statement (an engine step or email has about a quarter of its columns empty).
  const nullDefault = await nullDefaultColumns(db, table);
  const listed = columns.filter(
    (column) =>
      !nullDefault.has(column) ||
      (rows as Record<string, unknown>[]).some((row) => (row[column] ?? null) !== null),
  );
  const flat: Cell[] = [];
  for (const row of rows as Record<string, unknown>[]) {
    for (const column of listed) flat.push((row[column] ?? null) as Cell);
  }
  const head = `INSERT INTO ${table} (${listed.join(', ')}) VALUES `;
  const row = placeholders(listed.length);
  return runSqlite<R>(
    db,
    (n) => `${head}${new Array<string>(n).fill(row).join(', ')} ${tail}`,
    flat,
    listed.length,
  );
}

/**
 * SQLite: per store (its adapter, shared by its transactions) and table, the nullable columns without a DEFAULT
 * (left out, they are NULL), read once.
 */
const NULL_DEFAULT = new WeakMap<object, Map<string, Promise<Set<string>>>>();

function nullDefaultColumns(db: Kysely<Database>, table: string): Promise<Set<string>> {
  const adapter = db.getExecutor().adapter;
  const tables = NULL_DEFAULT.get(adapter) ?? new Map<string, Promise<Set<string>>>();
  NULL_DEFAULT.set(adapter, tables);
  let columns = tables.get(table);
  if (!columns) {
    columns = db
      .executeQuery<{ name: string; notnull: number; dflt_value: string | null; pk: number }>(
        CompiledQuery.raw('SELECT name, "notnull", dflt_value, pk FROM pragma_table_info(?)', [table]),
      )
      .then(
        (result) =>
          new Set(
            result.rows
              .filter(
                (c) => c.notnull === 0 && c.pk === 0 && (c.dflt_value === null || c.dflt_value === 'NULL'),
              )
              .map((c) => c.name),
          ),
      );
    tables.set(table, columns);
    // A failed read is not kept: the next batch asks again.
    columns.catch(() => tables.delete(table));
  }
  return columns;
}

/**
 * Sets `columns` of rows by primary key; each row is `[org_id, id, …values of columns]`. PostgreSQL: `UPDATE …
 * FROM unnest(arrays)` (array element types from PG_ARRAY_TYPES); SQLite: a single-row `UPDATE … WHERE org_id = ?
 * AND id = ?` run per row (`rowBatch`).
 */
export async function updateRows(
  db: Kysely<Database>,
  table: string,
  columns: string[],
  rows: Cell[][],
): Promise<void> {
  const pg = isPostgres(db);
  const all = ['org_id', 'id', ...columns];
  if (pg) {
    if (rows.length === 0) return;
    const arrays = all.map((_, i) => pgArrayLiteral(rows.map((row) => row[i])));
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
  const set = columns.map((c) => `${c} = v.${c}`).join(', ');
  const row = placeholders(all.length);
  await runSqlite(
    db,
    (n) =>
      `WITH v(${all.join(', ')}) AS (VALUES ${new Array<string>(n).fill(row).join(', ')}) UPDATE ${table} SET ${set} FROM v WHERE ${table}.org_id = v.org_id AND ${table}.id = v.id`,
    rows.flat(),
    all.length,
  );
}

/**
 * `column IN (ids)` for a batch's keys. PostgreSQL: the ids go as one array parameter (`= ANY($n::text[])`, planned
 * as the IN list is), so a batch's statement is not hundreds of placeholders that the server parses and binds one
 * by one and the client serialises one by one. SQLite: an IN list.
 */
export function idIn(db: Kysely<Database>, column: string, ids: readonly string[]): RawBuilder<boolean> {
  if (isPostgres(db)) return sql<boolean>`${sql.ref(column)} = ANY(${pgArrayLiteral(ids)}::text[])`;
  return sql<boolean>`${sql.ref(column)} IN (${sql.join(ids as string[])})`;
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
