import { CompiledQuery, type Kysely } from 'kysely';
import { pgArrayLiteral } from '../pg-array-literal.ts';
import type { Database } from '../schema.ts';

/**
 * PostgreSQL multi-row insert that binds each column once: a column whose value differs between rows as one
 * array (`unnest($n::type[])`), a column with the same value in every row (a connect's organisation, sequence,
 * version, state, timestamps, a task's kind and status, …) as one scalar. The statement keeps a constant size
 * whatever the row count, and neither the client nor the server serialises and parses the same text 2,000 times
 * per chunk (a bulk connect's connections bind 3 arrays instead of 14; its `connected` tasks 4 instead of 14).
 *
 * `alwaysArray` names columns bound as arrays whatever their values (one array is needed to give the row count);
 * arrays go as array literals (pg-array-literal.ts); `types` gives the element type of every column that is not text; `tail` follows the SELECT
 * (`ON CONFLICT …`, `RETURNING …`).
 */
export async function insertColumnar<R>(
  db: Kysely<Database>,
  table: string,
  rows: readonly object[],
  options: {
    /** Columns bound as arrays whatever their values (default: none; the first column if every one is constant). */
    alwaysArray?: readonly string[];
    types: Readonly<Record<string, string>>;
    tail?: string;
    /** The columns to insert (default: the first row's keys). */
    columns?: readonly string[];
  },
): Promise<R[]> {
  if (rows.length === 0) return [];
  const all = rows as readonly Record<string, unknown>[];
  const first = all[0]!;
  const columns = options.columns ?? Object.keys(first);
  const alwaysArray = options.alwaysArray ?? [];
  const constant = columns.map((column) => {
    if (alwaysArray.includes(column)) return false;
    const value = first[column] ?? null;
    for (const row of all) if ((row[column] ?? null) !== value) return false;
    return true;
  });
  if (!constant.includes(false)) constant[0] = false;
  const parameters: unknown[] = [];
  const arrays: string[] = [];
  const names: string[] = [];
  const selected = columns.map((column, i) => {
    const type = options.types[column] ?? 'text';
    if (constant[i]) {
      parameters.push(first[column] ?? null);
      return `$${parameters.length}::${type}`;
    }
    parameters.push(pgArrayLiteral(all.map((row) => row[column])));
    arrays.push(`$${parameters.length}::${type}[]`);
    names.push(`c${names.length}`);
    return `u.${names.at(-1)}`;
  });
  const text = `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${selected.join(', ')} FROM unnest(${arrays.join(
    ', ',
  )}) AS u(${names.join(', ')}) ${options.tail ?? ''}`;
  const result = await db.executeQuery<R>(CompiledQuery.raw(text, parameters));
  return result.rows;
}
