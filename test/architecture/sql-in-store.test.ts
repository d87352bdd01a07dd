import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** SQL lives in src/store only (docs/architecture.md): no query builder calls or raw SQL in the API layer. */
const SQL_PATTERN = /\b(selectFrom|insertInto|updateTable|deleteFrom|replaceInto)\s*\(|\bsql\s*(`|<)/;
const ROOT = join(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('SQL lives in the store', () => {
  it('no file under src/api builds or runs SQL, nor imports kysely values', () => {
    const offenders = sourceFiles(join(ROOT, 'src/api')).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const where = relative(ROOT, file);
      const lines = text
        .split('\n')
        .flatMap((line, i) => (SQL_PATTERN.test(line) ? [`${where}:${i + 1}`] : []));
      if (/^import \{[^}]*\bsql\b[^}]*\} from 'kysely'/m.test(text)) lines.push(`${where}: imports sql`);
      return lines;
    });
    expect(offenders).toEqual([]);
  });
});
