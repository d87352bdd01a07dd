import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * PostgreSQL multi-row insert that binds each column once: a column whose value differs between rows as one
 * array (`unnest($n::type[])`), a column with the same value in every row (a connect's organisation, sequence,
 * version, state, timestamps, a task's kind and status, …) as one scalar. The statement keeps a constant size
 * whatever the row count, and neither the client nor the server serialises and parses the same text 2,000 times
 * per chunk (a bulk connect's connections bind 3 arrays instead of 14; its `connected` tasks 4 instead of 14).
 *
 * `alwaysArray` names columns bound as arrays whatever their values (at least one is needed to give the row
 * count); `types` gives the element type of every column that is not text; `tail` follows the SELECT
 * (`ON CONFLICT …`, `RETURNING …`).
 */
export async function insertColumnar<R>(
  db: Kysely<Database>,
  table: string,
  rows: readonly object[],
  options: { alwaysArray: readonly string[]; types: Readonly<Record<string, string>>; tail?: string },
): Promise<R[]> {
  if (rows.length === 0) return [];
  const first = rows[0] as Record<string, unknown>;
  const columns = Object.keys(first);
  const parameters: unknown[] = [];
  const arrays: string[] = [];
  const names: string[] = [];
  const selected = columns.map((column) => {
    const type = options.types[column] ?? 'text';
    const value = first[column] ?? null;
    const constant =
      !options.alwaysArray.includes(column) &&
      rows.every((row) => ((row as Record<string, unknown>)[column] ?? null) === value);
    if (constant) {
      parameters.push(value);
      return `$${parameters.length}::${type}`;
    }
    parameters.push(rows.map((row) => (row as Record<string, unknown>)[column] ?? null));
    arrays.push(`$${parameters.length}::${type}[]`);
    names.push(`c${names.length}`);
    return `u.${names.at(-1)}`;
  });
  if (arrays.length === 0) throw new Error('insertColumnar needs at least one array column');
  const text = `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${selected.join(', ')} FROM unnest(${arrays.join(
    ', ',
  )}) AS u(${names.join(', ')}) ${options.tail ?? ''}`;
  const result = await db.executeQuery<R>(CompiledQuery.raw(text, parameters));
  return result.rows;
}
