/**
 * CSV for every export (one helper, so no export forgets the rules below).
 *
 * RFC 4180: a field with a quote, comma or line break is quoted and its quotes doubled.
 * CSV injection (OWASP): a spreadsheet treats a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
 * return as a formula (`=HYPERLINK(…)`, `@SUM(…)`, DDE). Such cells get a leading single quote, which
 * spreadsheets show as "this is text" and do not evaluate. Numbers are written as numbers (-3 stays -3).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell's text, neutralised and quoted as needed. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const raw = String(value);
  const text = FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole CSV document: header and rows, CRLF line ends (RFC 4180). */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
