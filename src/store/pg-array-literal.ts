/**
 * A PostgreSQL array literal (`{"a","b",NULL,3}`) for an `unnest($n::type[])` parameter.
 *
 * node-postgres serialises a JavaScript array parameter element by element (two regular-expression replaces and
 * three new strings per text element, then a join); the engine binds about a hundred thousand elements per batch
 * (a connection's state JSON among them), and that work and its garbage were a large part of a PostgreSQL
 * worker's CPU. Most arrays are turned into a literal by one native `JSON.stringify`: for text without control
 * characters or lone surrogates, JSON escapes exactly what an array literal escapes (`\"` and `\\`), JSON's
 * `null` is the literal's NULL, and only the brackets differ. Anything else takes the element-by-element path.
 * Text is always quoted, so `NULL`, braces, commas and spaces inside a value stay text.
 */
export function pgArrayLiteral(values: readonly unknown[]): string {
  if (values.length === 0) return '{}';
  for (const value of values) {
    if (typeof value === 'string') {
      if (JSON_ESCAPES_DIFFER.test(value)) return elementByElement(values);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return elementByElement(values);
    } else if (value !== null && value !== undefined) return elementByElement(values);
  }
  const json = JSON.stringify(values);
  return `{${json.slice(1, -1)}}`;
}

/** Characters JSON writes as `\n`, `\u0001`, `\ud800`…, which an array literal would read differently. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const JSON_ESCAPES_DIFFER = /[\u0000-\u001f\ud800-\udfff]/;

function elementByElement(values: readonly unknown[]): string {
  return `{${values.map(element).join(',')}}`;
}

function element(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = String(value);
  return text.includes('"') || text.includes('\\') ? `"${text.replace(/["\\]/g, '\\$&')}"` : `"${text}"`;
}
