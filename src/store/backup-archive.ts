import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import {
  firstNonEmptyTable,
  insertRows,
  productTables,
  type Row,
  type TableShape,
  tablePage,
} from './backup-tables.ts';
import type { Store } from './db.ts';
import { appliedMigrations, knownMigrations, migrateToLatest, migrateUpTo } from './migrate.ts';
import type { Database } from './schema.ts';

/**
 * Stepwise's portable backup: every product table read through the store in primary-key order, within one
 * snapshot (PostgreSQL: a read-only repeatable-read transaction; SQLite: one read transaction), written as
 * gzip-compressed JSON lines:
 *
 *   {"format":"stepwise-archive","version":1,"dialect":…,"createdAt":…,"migrations":[…]}   header
 *   {"table":"name","columns":["a","b",…]}                                                table header
 *   ["value a","value b",…]                                                               one line per row
 *   {"end":true,"tables":N,"rows":M}                                                      trailer
 *
 * It needs no `pg_dump` of the server's version, and restores into either database.
 */
export const ARCHIVE_FORMAT = 'stepwise-archive';
const PAGE = 1000;

const Header = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(1),
  dialect: z.enum(['sqlite', 'postgres']),
  createdAt: z.string(),
  migrations: z.array(z.string()).min(1),
});
const TableHeader = z.object({ table: z.string().min(1), columns: z.array(z.string()).min(1) });
const Trailer = z.object({ end: z.literal(true), tables: z.number().int(), rows: z.number().int() });
const RowValues = z.array(z.union([z.string(), z.number(), z.null()]));

export interface ArchiveSummary {
  file: string;
  tables: number;
  rows: number;
  /** The last migration of the schema the archive holds. */
  schema: string;
}

/** Writes the archive of the whole database to a new file (never overwrites). */
export async function writeArchive(store: Store, target: string, now: Date): Promise<ArchiveSummary> {
  const file = resolve(target);
  if (existsSync(file)) throw new Error(`${file} exists; choose a new file name`);
  const read = store.db.transaction();
  const snapshot =
    store.dialect === 'postgres'
      ? read.setIsolationLevel('repeatable read').setAccessMode('read only')
      : read;
  return snapshot.execute(async (trx) => {
    const migrations = await appliedMigrations(trx);
    if (migrations.length === 0) throw new Error('The database has no Stepwise schema to back up');
    const tables = await productTables(trx, store.dialect);
    let rows = 0;
    async function* lines(): AsyncGenerator<string> {
      const header = {
        format: ARCHIVE_FORMAT,
        version: 1,
        dialect: store.dialect,
        createdAt: now.toISOString(),
      };
      yield `${JSON.stringify({ ...header, migrations })}\n`;
      for (const table of tables) {
        yield `${JSON.stringify({ table: table.name, columns: table.columns })}\n`;
        for await (const row of tableRows(trx, table)) {
          rows++;
          yield `${JSON.stringify(table.columns.map((column) => row[column] ?? null))}\n`;
        }
      }
      yield `${JSON.stringify({ end: true, tables: tables.length, rows })}\n`;
    }
    await pipeline(Readable.from(lines()), createGzip(), createWriteStream(file, { flags: 'wx' }));
    return { file, tables: tables.length, rows, schema: migrations.at(-1) ?? '' };
  });
}

async function* tableRows(trx: Transaction<Database>, table: TableShape): AsyncGenerator<Row> {
  let after: unknown[] | null = null;
  for (;;) {
    const page = await tablePage(trx, table, after, PAGE);
    yield* page;
    if (page.length < PAGE) return;
    const last = page.at(-1) as Row;
    after = table.key.map((column) => last[column]);
  }
}

/** Reads the archive's header (first line) without loading the rest. */
export async function readArchiveHeader(file: string): Promise<z.infer<typeof Header>> {
  const input = createReadStream(resolve(file));
  try {
    for await (const line of createInterface({ input: input.pipe(createGunzip()), crlfDelay: Infinity }))
      return parseHeader(line);
    throw new Error(`${file} is empty`);
  } finally {
    input.destroy();
  }
}

function parseHeader(line: string): z.infer<typeof Header> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new Error('Not a Stepwise backup archive (bad header)');
  }
  const parsed = Header.safeParse(json);
  if (!parsed.success) throw new Error('Not a Stepwise backup archive (bad header)');
  return parsed.data;
}

function archiveLines(file: string): AsyncIterable<string> {
  const input = createReadStream(resolve(file)).pipe(createGunzip());
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}

/**
 * Restores an archive into an empty database: builds the archive's schema with the same migrations, loads every
 * row in one transaction (a truncated or damaged archive loads nothing), then applies this build's newer
 * migrations. Refuses an archive made by a newer Stepwise, and a database that already holds data.
 */
export async function restoreArchive(store: Store, file: string): Promise<ArchiveSummary> {
  const header = await readArchiveHeader(file);
  const known = knownMigrations();
  const unknown = header.migrations.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `The archive's schema is newer than this Stepwise (${unknown.join(', ')}); restore it with a newer version`,
    );
  }
  const applied = await appliedMigrations(store.db);
  if (applied.some((name, index) => header.migrations[index] !== name)) {
    throw new Error('The database has a newer schema than the archive; restore into a new, empty database');
  }
  const occupied = await firstNonEmptyTable(store.db, store.dialect);
  if (occupied !== null) {
    throw new Error(
      `The database is not empty (table ${occupied} has rows); restore into a new, empty database`,
    );
  }
  const schema = header.migrations.at(-1) as string;
  await migrateUpTo(store.db, schema);
  const summary = await store.db.transaction().execute(async (trx) => loadRows(trx, store, file));
  await migrateToLatest(store.db);
  return { file: resolve(file), ...summary, schema };
}

async function loadRows(
  trx: Transaction<Database>,
  store: Store,
  file: string,
): Promise<{ tables: number; rows: number }> {
  const shapes = new Map((await productTables(trx, store.dialect)).map((table) => [table.name, table]));
  let table: { name: string; columns: string[]; batch: number } | null = null;
  let pending: Row[] = [];
  let tables = 0;
  let rows = 0;
  let first = true;
  const flush = async () => {
    if (table && pending.length > 0) await insertRows(trx, table.name, pending);
    pending = [];
  };
  for await (const line of archiveLines(file)) {
    if (first) {
      first = false;
      continue;
    }
    if (line.startsWith('[')) {
      if (!table) throw new Error('Damaged archive: a row before its table');
      const values = RowValues.parse(JSON.parse(line));
      if (values.length !== table.columns.length) throw new Error(`Damaged archive: a row of ${table.name}`);
      const columns = table.columns;
      pending.push(Object.fromEntries(columns.map((column, index) => [column, values[index]])));
      rows++;
      if (pending.length >= table.batch) await flush();
      continue;
    }
    const object: unknown = JSON.parse(line);
    const end = Trailer.safeParse(object);
    if (end.success) {
      await flush();
      if (end.data.rows !== rows || end.data.tables !== tables)
        throw new Error('Damaged archive: counts differ');
      return { tables, rows };
    }
    const next = TableHeader.parse(object);
    await flush();
    const shape = shapes.get(next.table);
    if (!shape) throw new Error(`The archive has table ${next.table}, which this schema does not`);
    const missing = next.columns.filter((column) => !shape.columns.includes(column));
    if (missing.length > 0) throw new Error(`Table ${next.table} has no column ${missing.join(', ')}`);
    // Bound statement parameters (SQLite allows 32,766; PostgreSQL 65,535).
    table = {
      name: next.table,
      columns: next.columns,
      batch: Math.max(1, Math.floor(8000 / next.columns.length)),
    };
    tables++;
  }
  throw new Error('Damaged archive: it ends before its trailer (truncated?)');
}
