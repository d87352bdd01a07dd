import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { catalogues } from '../../web/src/i18n/catalogues.ts';

/**
 * Every piece of UI text goes through i18next. This scans the components' syntax trees for text a user could read
 * that bypasses the catalogues: JSX text with letters, string literals rendered as children, and string literals in
 * aria-label / placeholder / title / alt / label props. It also checks that every literal key passed to `t()`
 * exists in the English catalogue (in the namespace the file's `useTranslation` names).
 */
const WEB = resolve(import.meta.dirname, '../../web/src');
const TEXT_PROPS = new Set(['aria-label', 'placeholder', 'title', 'alt', 'label', 'aria-description']);
const LETTER = /\p{L}/u;

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsxFiles(path);
    return entry.name.endsWith('.tsx') && !entry.name.endsWith('.test.tsx') ? [path] : [];
  });
}

function literalTexts(source: string, fileName = 'component.tsx'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const where = (node: ts.Node) => `${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && LETTER.test(node.text)) found.push(`line ${where(node)}: ${node.text.trim()}`);
    if (ts.isJsxAttribute(node) && TEXT_PROPS.has(node.name.getText(file))) {
      const value = node.initializer;
      const literal =
        value && ts.isStringLiteral(value)
          ? value
          : value && ts.isJsxExpression(value) && value.expression && ts.isStringLiteralLike(value.expression)
            ? value.expression
            : undefined;
      if (literal && LETTER.test(literal.text))
        found.push(`line ${where(node)}: ${node.name.getText(file)}="${literal.text}"`);
    }
    if (
      ts.isJsxExpression(node) &&
      node.expression &&
      ts.isStringLiteralLike(node.expression) &&
      (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent)) &&
      LETTER.test(node.expression.text)
    ) {
      found.push(`line ${where(node)}: {"${node.expression.text}"}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

type Tree = { [key: string]: string | Tree };
function hasKey(tree: Tree | undefined, key: string): boolean {
  if (!tree) return false;
  const lookup = (path: string) => {
    let node: string | Tree | undefined = tree;
    for (const part of path.split('.')) {
      if (typeof node !== 'object' || node === null) return false;
      node = node[part];
    }
    return typeof node === 'string';
  };
  return lookup(key) || lookup(`${key}_other`) || lookup(`${key}_one`);
}

describe('no literal user-visible strings in components', () => {
  it('the scanner catches JSX text, literal children and literal text props', () => {
    expect(literalTexts('const A = () => <p>Hello</p>;')).toHaveLength(1);
    expect(literalTexts('const A = () => <input placeholder="Search" />;')).toHaveLength(1);
    expect(literalTexts("const A = () => <button aria-label={'Close'}>×</button>;")).toHaveLength(1);
    expect(literalTexts("const A = () => <p>{'Hi'}</p>;")).toHaveLength(1);
    expect(literalTexts("const A = () => <p title={t('x')}>{t('y')} · {n}</p>;")).toHaveLength(0);
  });

  for (const path of tsxFiles(WEB)) {
    it(relative(WEB, path), () => {
      expect(literalTexts(readFileSync(path, 'utf8'), path)).toEqual([]);
    });
  }
});

describe('every literal translation key exists', () => {
  const en = catalogues.en as unknown as Record<string, Tree>;
  for (const path of [...tsxFiles(WEB), join(WEB, 'components/errors.ts')]) {
    it(relative(WEB, path), () => {
      const source = readFileSync(path, 'utf8');
      // A file without useTranslation receives `t` from its caller: accept a key of any namespace.
      const declared = /useTranslation\((?:'(\w+)')?\)/.exec(source);
      const namespaces = declared ? [declared[1] ?? 'common'] : Object.keys(en);
      const missing: string[] = [];
      for (const match of source.matchAll(/\bt\(\s*'([^']+)'/g)) {
        const full = match[1]!;
        const [ns, key] = full.includes(':') ? (full.split(':', 2) as [string, string]) : [undefined, full];
        const found = (ns ? [ns] : namespaces).some((candidate) => hasKey(en[candidate], key));
        if (!found) missing.push(full);
      }
      expect(missing).toEqual([]);
    });
  }
});
