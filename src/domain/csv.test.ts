import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv.ts';

/** Reads one CSV line back into cells (RFC 4180 quoting), as a spreadsheet would. */
function parseLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else {
      cell += c;
    }
  }
  cells.push(cell);
  return cells;
}

describe('CSV export cells (issue 20 item 10)', () => {
  it('quotes cells that need it', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n');
  });

  it('neutralises cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","Click")')).toBe(
      `"'=HYPERLINK(""http://evil.example"",""Click"")"`,
    );
    expect(csvCell('+1+1')).toBe("'+1+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1:A9)')).toBe("'@SUM(A1:A9)");
    expect(csvCell('\t=1+1')).toBe("'\t=1+1");
    expect(csvCell('\r=1+1')).toBe(`"'\r=1+1"`);
    expect(csvCell('Call = good')).toBe('Call = good');
    // Numbers stay numbers.
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(0.25)).toBe('0.25');
  });

  it('never lets a text cell start with a formula character, and reads back to the original text', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 5 }), (cells) => {
        const line = toCsv(cells, []).slice(0, -2);
        const back = line.includes('\n') || line.includes('\r') ? null : parseLine(line);
        for (const [i, cell] of cells.entries()) {
          const written = csvCell(cell);
          const unquoted = written.startsWith('"') ? written.slice(1, -1).replaceAll('""', '"') : written;
          expect(/^[=+\-@\t\r]/.test(unquoted)).toBe(false);
          expect(unquoted === cell || unquoted === `'${cell}`).toBe(true);
          if (back) expect(back[i] === cell || back[i] === `'${cell}`).toBe(true);
        }
      }),
    );
  });
});
