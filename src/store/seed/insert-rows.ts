import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Plain row inserts for seeding (the demo data, the benchmark's fixtures): whole rows the caller built, in
 * multi-row statements of `chunk` rows (well under both dialects' parameter limits).
 */
export async function insertRows<T extends keyof Database>(
  db: Kysely<Database>,
  table: T,
  rows: Insertable<Database[T]>[],
  chunk = 500,
): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    // Kysely's generic insert over a table union cannot be typed per call site; the rows are typed by the caller.
    await db
      .insertInto(table)
      .values(rows.slice(i, i + chunk) as never)
      .execute();
  }
}

/** Every row of `table` whose `column` equals `value` in the organisation (to copy a template's rows). */
export async function rowsWhere(
  db: Kysely<Database>,
  table: keyof Database,
  input: { orgId: string; column: string; value: string },
): Promise<Record<string, unknown>[]> {
  const loose = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  return loose
    .selectFrom(table)
    .selectAll()
    .where('org_id', '=', input.orgId)
    .where(input.column, '=', input.value)
    .execute();
}
