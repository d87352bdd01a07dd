/**
 * A PostgreSQL array literal (`{"a","b",NULL,3}`) for an `unnest($n::type[])` parameter, built in one pass.
 *
 * node-postgres serialises a JavaScript array parameter element by element (two regular-expression replaces and
 * three new strings per text element, then a join); the engine binds about a hundred thousand elements per batch,
 * and that work plus its garbage was a tenth of a PostgreSQL worker's CPU. Here a text element is copied as is
 * unless it holds a quote or a backslash, and one string leaves for the driver. The server parses the same literal
 * it parsed before. Text is always quoted, so `NULL`, braces, commas and spaces inside a value stay text.
 */
export function pgArrayLiteral(values: readonly unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += element(values[i]);
  }
  return `${out}}`;
}

const NEEDS_ESCAPE = /["\\]/;

function element(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = String(value);
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(/["\\]/g, '\\$&')}"` : `"${text}"`;
}
