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

export function isPostgres(db: Kysely<Database>): boolean {
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
 * Runs `text(n)` (a statement for n rows) over `count` rows of `width` parameters, `cells(i, out, at)` writing row
 * i's parameters into `out` from index `at`: full groups of SQLITE_ROWS rows, then the rest row by row, each as one
 * row batch (one call from Kysely). Returns the rows the statements returned and how many rows they changed.
 */
async function runSqlite<R>(
  db: Kysely<Database>,
  text: (rows: number) => string,
  count: number,
  width: number,
  cells: (row: number, out: Cell[], at: number) => void,
): Promise<{ rows: R[]; changes: number }> {
  const out: R[] = [];
  let changes = 0;
  const full = count - (count % SQLITE_ROWS);
  const run = async (sqlText: string, params: Cell[][]) => {
    if (params.length === 0) return;
    const result = await db.executeQuery<R>(CompiledQuery.raw(sqlText, rowBatch(params)));
    for (const row of result.rows) out.push(row);
    changes += Number(result.numAffectedRows ?? 0);
  };
  // Each statement's parameter list is made at its size and filled in place (no list of every cell sliced into
  // groups, no growing arrays): the engine binds millions of values per drain.
  const groups: Cell[][] = [];
  for (let r = 0; r < full; r += SQLITE_ROWS) {
    const group = new Array<Cell>(SQLITE_ROWS * width);
    for (let i = 0; i < SQLITE_ROWS; i++) cells(r + i, group, i * width);
    groups.push(group);
  }
  await run(text(SQLITE_ROWS), groups);
  const rest: Cell[][] = [];
  for (let r = full; r < count; r++) {
    const one = new Array<Cell>(width);
    cells(r, one, 0);
    rest.push(one);
  }
  await run(text(1), rest);
  return { rows: out, changes };
}

/** `(?, ?, …)`: one row's placeholders (SQLite). */
const placeholders = (count: number) => `(${new Array<string>(count).fill('?').join(', ')})`;

/**
 * SQLite: every multi-row write here is `INSERT OR FAIL` / `UPDATE OR FAIL`. A statement that may change several
 * rows and may abort half-way (a NOT NULL or UNIQUE check with the default ABORT) makes SQLite keep a statement
 * journal: the original of every page the statement changes, written to a temporary file, so the statement alone
 * can be undone. Engine writes never need that: a failing statement fails its whole transaction (see `rowBatch`
 * in src/store/db.ts: rows of earlier statements of the same batch stay until the caller rolls back, as they
 * did before), and FAIL stops at the same row with the same error, only without undoing the rows before it in
 * that one statement. Without the statement journal a 20,000-connection drain wrote 490 MB less to temporary
 * files. (An upsert's DO UPDATE always aborts, so a multi-row upsert keeps its statement journal; the engine
 * upserts only what it must, see write.ts.)
 */
const SQLITE_INSERT = 'INSERT OR FAIL INTO';

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
  return (await insertSqlite<T, R>(db, table, columns, rows, tail)).rows;
}

/** SQLite: `insertRows` that tells how many rows it inserted (with `ON CONFLICT … DO NOTHING`, the rest were skipped). */
export async function insertRowsCountingSqlite<T extends object>(
  db: Kysely<Database>,
  table: string,
  columns: (keyof T & string)[],
  rows: T[],
  tail: string,
): Promise<number> {
  return (await insertSqlite(db, table, columns, rows, tail)).changes;
}

async function insertSqlite<T extends object, R = unknown>(
  db: Kysely<Database>,
  table: string,
  columns: (keyof T & string)[],
  rows: T[],
  tail: string,
): Promise<{ rows: R[]; changes: number }> {
  // SQLite binds and stores every listed column of every row: columns NULL in all rows whose default is NULL
  // anyway are left out of the statement (an engine step or email has about a quarter of its columns empty).
  const nullDefault = await nullDefaultColumns(db, table);
  const listed = columns.filter(
    (column) =>
      !nullDefault.has(column) ||
      (rows as Record<string, unknown>[]).some((row) => (row[column] ?? null) !== null),
  );
  const head = `${SQLITE_INSERT} ${table} (${listed.join(', ')}) VALUES `;
  const placeholder = placeholders(listed.length);
  const values = rows as Record<string, unknown>[];
  return runSqlite<R>(
    db,
    (n) => `${head}${new Array<string>(n).fill(placeholder).join(', ')} ${tail}`,
    values.length,
    listed.length,
    (i, out, at) => {
      const row = values[i]!;
      for (let c = 0; c < listed.length; c++) out[at + c] = (row[listed[c]!] ?? null) as Cell;
    },
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
 * Sets `columns` of rows found by `key` (default the primary key); each row is `[…values of key, …values of
 * columns]`. Returns how many rows it changed. PostgreSQL: `UPDATE … FROM unnest(arrays)` (array
 * element types from PG_ARRAY_TYPES); SQLite: `UPDATE OR FAIL … FROM (VALUES …)` (see SQLITE_INSERT), fixed-size
 * row groups.
 */
export async function updateRows(
  db: Kysely<Database>,
  table: string,
  columns: string[],
  rows: Cell[][],
  key: readonly string[] = ['org_id', 'id'],
): Promise<number> {
  const all = [...key, ...columns];
  const where = (target: string) => key.map((k) => `${target}.${k} = v.${k}`).join(' AND ');
  if (isPostgres(db)) {
    if (rows.length === 0) return 0;
    const arrays = all.map((_, i) => pgArrayLiteral(rows.map((row) => row[i])));
    const params = all.map((column, i) => `$${i + 1}::${PG_ARRAY_TYPES[column] ?? 'text'}[]`);
    const assignments = columns.map((c) => `${c} = v.${c}`).join(', ');
    // The key arrays also filter the table directly. Joined only through `v`, the planner hashes the whole table
    // when it is small enough to look cheap to scan (records of an organisation with 20,000 leads: every batch
    // read and hashed all of them, about twice the cost of the update itself); with `= ANY` it reads the batch's
    // rows from the key's index in one pass, whatever the table's size.
    const direct = key.map((k, i) => `t.${k} = ANY(${params[i]})`).join(' AND ');
    const result = await db.executeQuery(
      CompiledQuery.raw(
        `UPDATE ${table} AS t SET ${assignments} FROM unnest(${params.join(', ')}) AS v(${all.join(', ')}) WHERE ${where('t')} AND ${direct}`,
        arrays,
      ),
    );
    return Number(result.numAffectedRows ?? 0);
  }
  const set = columns.map((c) => `${c} = v.${c}`).join(', ');
  const row = placeholders(all.length);
  const { changes } = await runSqlite(
    db,
    (n) =>
      `WITH v(${all.join(', ')}) AS (VALUES ${new Array<string>(n).fill(row).join(', ')}) UPDATE OR FAIL ${table} SET ${set} FROM v WHERE ${where(table)}`,
    rows.length,
    all.length,
    (i, out, at) => {
      const cells = rows[i]!;
      for (let c = 0; c < all.length; c++) out[at + c] = cells[c] as Cell;
    },
  );
  return changes;
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
