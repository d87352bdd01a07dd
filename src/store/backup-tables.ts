import { type Kysely, sql, type Transaction } from 'kysely';
import type { DialectName } from './db.ts';
import type { Database } from './schema.ts';

/** Rows of any table, as the archive reads and writes them (column name → text, number or null). */
type AnyDatabase = Record<string, Record<string, unknown>>;
export type Row = Record<string, unknown>;

export interface TableShape {
  name: string;
  columns: string[];
  /** The primary key's columns in key order (every column when a table has none). */
  key: string[];
}

function untyped(db: Kysely<Database> | Transaction<Database>): Kysely<AnyDatabase> {
  return db as unknown as Kysely<AnyDatabase>;
}

/** The product's tables (not Kysely's migration bookkeeping), with columns and primary key, sorted by name. */
export async function productTables(
  db: Kysely<Database> | Transaction<Database>,
  dialect: DialectName,
): Promise<TableShape[]> {
  const schema = dialect === 'postgres' ? await currentSchema(db) : undefined;
  const tables = (await db.introspection.getTables())
    .filter((table) => !table.isView && table.schema === schema)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const shapes: TableShape[] = [];
  for (const table of tables) {
    const columns = table.columns.map((column) => column.name);
    const key = await primaryKey(db, dialect, table.name);
    shapes.push({ name: table.name, columns, key: key.length > 0 ? key : columns });
  }
  return shapes;
}

/** PostgreSQL: the schema Stepwise's tables live in (the first of the search path, usually `public`). */
async function currentSchema(db: Kysely<Database> | Transaction<Database>): Promise<string> {
  const rows = await sql<{ name: string }>`select current_schema() as name`.execute(db);
  return rows.rows[0]?.name ?? 'public';
}

async function primaryKey(
  db: Kysely<Database> | Transaction<Database>,
  dialect: DialectName,
  table: string,
): Promise<string[]> {
  if (dialect === 'sqlite') {
    const rows = await sql<{ name: string }>`
      select name from pragma_table_info(${table}) where pk > 0 order by pk`.execute(db);
    return rows.rows.map((row) => row.name);
  }
  const rows = await sql<{ name: string }>`
    select a.attname as name
    from pg_index i
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident(${table}))
      and i.indisprimary
    order by array_position(i.indkey::int2[], a.attnum)`.execute(db);
  return rows.rows.map((row) => row.name);
}

/** One page of a table in primary-key order, after the key `after` (keyset paging: each page is one index scan). */
export async function tablePage(
  db: Kysely<Database> | Transaction<Database>,
  table: TableShape,
  after: unknown[] | null,
  limit: number,
): Promise<Row[]> {
  let query = untyped(db).selectFrom(table.name).selectAll();
  if (after !== null) {
    const keys = sql.join(table.key.map((column) => sql.ref(column)));
    const values = sql.join(after.map((value) => sql.val(value)));
    query = query.where(sql<boolean>`(${keys}) > (${values})`);
  }
  for (const column of table.key) query = query.orderBy(sql.ref(column));
  return (await query.limit(limit).execute()) as Row[];
}

/** Inserts rows into a table (one multi-row statement). */
export async function insertRows(
  db: Kysely<Database> | Transaction<Database>,
  table: string,
  rows: Row[],
): Promise<void> {
  if (rows.length === 0) return;
  await untyped(db).insertInto(table).values(rows).execute();
}

/** Whether any product table holds a row (a restore goes only into an empty database). */
export async function firstNonEmptyTable(
  db: Kysely<Database> | Transaction<Database>,
  dialect: DialectName,
): Promise<string | null> {
  for (const table of await productTables(db, dialect)) {
    const row = await untyped(db)
      .selectFrom(table.name)
      .select(sql<number>`1`.as('one'))
      .limit(1)
      .executeTakeFirst();
    if (row !== undefined) return table.name;
  }
  return null;
}
