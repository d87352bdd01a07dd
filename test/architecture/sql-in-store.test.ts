import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The store is the only place that speaks SQL, and the domain is pure (docs/architecture.md). A source scan, so a
 * query written anywhere else fails here with its file and line.
 */
const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The text with comments blanked (line numbers kept); strings and template literals are left as they are. */
function withoutComments(text: string): string {
  let out = '';
  let i = 0;
  let quote: string | null = null;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (quote) {
      out += c;
      if (c === '\\') {
        out += next ?? '';
        i += 2;
        continue;
      }
      if (c === quote) quote = null;
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      out += c;
      i++;
      continue;
    }
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Query-builder entry points, `sql` templates and raw statements. */
const SQL_PATTERNS: [string, RegExp][] = [
  ['selectFrom', /\.selectFrom\s*\(/],
  ['insertInto', /\.insertInto\s*\(/],
  ['updateTable', /\.updateTable\s*\(/],
  ['deleteFrom', /\.deleteFrom\s*\(/],
  ['sql template', /\bsql\s*(<[^>]*>)?\s*`/],
  ['sql helper', /\bsql\.(raw|ref|table|join|lit|id)\s*\(/],
  ['raw query', /\b(executeQuery|CompiledQuery)\b/],
];

function sqlOutsideStore(files: { path: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const { path, text } of files) {
    withoutComments(text)
      .split('\n')
      .forEach((line, index) => {
        for (const [name, pattern] of SQL_PATTERNS) {
          if (pattern.test(line)) found.push(`${path}:${index + 1} ${name}: ${line.trim()}`);
        }
      });
  }
  return found;
}

const read = (path: string) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') });

describe('SQL lives only in src/store', () => {
  it('finds the patterns it looks for, and not in comments', () => {
    const found = sqlOutsideStore([
      {
        path: 'x.ts',
        text: [
          '// db.selectFrom("records") in a line comment',
          '/* await sql`select 1` in a block',
          '   comment */',
          "const s = 'selectFrom is only a word here';",
          "await db.selectFrom('records').selectAll().execute();",
          'await sql`vacuum`.execute(db);',
          "db.updateTable('x'); db.deleteFrom('y'); db.insertInto('z');",
          'await db.executeQuery(CompiledQuery.raw("select 1"));',
        ].join('\n'),
      },
    ]);
    expect(found.map((f) => f.split(' ')[0])).toEqual([
      'x.ts:5',
      'x.ts:6',
      'x.ts:7',
      'x.ts:7',
      'x.ts:7',
      'x.ts:8',
    ]);
  });

  const outsideStore = () =>
    [...sourceFiles('src'), ...sourceFiles('bench')].filter((path) => !path.startsWith(join('src', 'store')));

  it('no file under src/ (but src/api) or bench/ runs SQL outside src/store', () => {
    const files = outsideStore().filter((path) => !path.startsWith(join('src', 'api')));
    expect(files.length).toBeGreaterThan(50);
    expect(sqlOutsideStore(files.map(read))).toEqual([]);
  });

  it('no file under src/api runs SQL (route files call store modules)', () => {
    const files = outsideStore().filter((path) => path.startsWith(join('src', 'api')));
    expect(sqlOutsideStore(files.map(read))).toEqual([]);
  });
});

const FORBIDDEN_PACKAGES = /^(kysely|pg|pg-.*|better-sqlite3|fastify|@fastify\/.*|nodemailer|imapflow)$/;

/** Imports of one domain file that leave the pure domain (I/O packages, or store/api/mail/engine/net/cli code). */
function impureImports(path: string, source: string): string[] {
  const found: string[] = [];
  const text = withoutComments(source);
  for (const match of text.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const specifier = match[1] ?? match[2]!;
    // A relative import is judged by where it lands: src/domain/engine is domain code, src/engine is not.
    const target = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(path), specifier)) : '';
    const outside =
      target !== '' && /^src\/(store|api|mail|engine|net|cli)\//.test(target.split('\\').join('/'));
    if (FORBIDDEN_PACKAGES.test(specifier) || outside) found.push(`${path}: ${specifier}`);
  }
  return found;
}

describe('the domain is pure', () => {
  it('the import check tells src/engine from src/domain/engine', () => {
    const file = join('src', 'domain', 'worklist', 'x.ts');
    expect(impureImports(file, "import { a } from '../engine/state.ts';")).toEqual([]);
    expect(impureImports(file, "import { a } from '../../engine/clock.ts';")).toHaveLength(1);
    expect(impureImports(file, "import { sql } from 'kysely';")).toHaveLength(1);
  });

  it('src/domain imports no database driver, query builder or web framework', () => {
    const found = sourceFiles(join('src', 'domain')).flatMap((path) =>
      impureImports(path, readFileSync(join(ROOT, path), 'utf8')),
    );
    expect(found).toEqual([]);
  });
});
