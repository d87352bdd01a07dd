import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/** The web UI is code-split: what the first page load fetches stays small; pages come as their own chunks. */
const DIST = resolve(import.meta.dirname, '../../web/dist');

describe('the web bundle (after npm run build:web)', () => {
  it('loads at most 250 kB of gzipped JavaScript at first; the designer and insights load on demand', () => {
    expect(existsSync(join(DIST, 'index.html')), 'run npm run build:web first').toBe(true);
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    const initial = [...html.matchAll(/(?:src|href)="\/?([^"]+\.js)"/g)].map((match) => match[1]!);
    expect(initial.length).toBeGreaterThan(0);
    const gzipped = initial.reduce((sum, file) => sum + gzipSync(readFileSync(join(DIST, file))).length, 0);
    expect(gzipped).toBeLessThanOrEqual(250 * 1024);
    expect(initial.some((file) => /SequenceDesignerPage|SequenceInsightsView|InsightsPage/.test(file))).toBe(
      false,
    );
  });
});
