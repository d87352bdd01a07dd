import { guessCoreTarget, normaliseHeader } from '../../../../src/domain/records/column-targets.ts';

/** The first line of a CSV file as cells (quotes and doubled quotes handled), for the column mapping. */
export function csvHeader(text: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',' || char === ';') {
      cells.push(cell.trim());
      cell = '';
    } else if (char === '\n' || char === '\r') break;
    else cell += char;
  }
  cells.push(cell.trim());
  return cells.filter((value, index) => value !== '' || index < cells.length - 1);
}

export { CORE_TARGETS as IMPORT_TARGETS } from '../../../../src/domain/records/column-targets.ts';

/** The field a header most likely means (the same spellings the server recognises), or "ignore". */
export function guessTarget(header: string, customFields: string[]): string {
  const core = guessCoreTarget(header);
  if (core) return core;
  const key = normaliseHeader(header);
  return customFields.find((name) => normaliseHeader(name) === key) ?? 'ignore';
}
