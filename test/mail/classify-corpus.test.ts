import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Classification, classifyInbound } from '../../src/mail/classify/index.ts';

/**
 * The real-world corpus (test/fixtures/bounces, from sisimai's set-of-emails): every message is classified and
 * compared with its label. Another directory with the same layout (e.g. the held-back acceptance half) can be
 * measured with `BOUNCE_FIXTURES=/path/to/dir npx vitest run test/mail/classify-corpus.test.ts`.
 */

const DIR = process.env.BOUNCE_FIXTURES ?? join(import.meta.dirname, '../fixtures/bounces');

interface Label {
  class: 'bounce' | 'delay' | 'delivered' | 'feedback' | 'auto_reply' | 'not_bounce';
  recipients: Array<{ hardBounce: boolean; reason: string; status: string }>;
}

const labels = JSON.parse(readFileSync(join(DIR, 'labels.json'), 'utf8')) as Record<string, Label>;

/** Our classes in the label vocabulary: a real reply and other mail are both "not a bounce". */
function asLabel(result: Classification): string {
  return result.class === 'reply' || result.class === 'other' ? 'not_bounce' : result.class;
}

const FAILURE_CLASSES = new Set(['bounce', 'delay']);

describe('classification of the real bounce corpus', () => {
  const results = new Map<string, Classification>();

  beforeAll(async () => {
    for (const file of Object.keys(labels)) {
      results.set(file, await classifyInbound(readFileSync(join(DIR, file))));
    }
  });

  it('puts at least 98% of the messages in the right class and prints the score per class', () => {
    const perClass = new Map<string, { right: number; total: number }>();
    const wrong: string[] = [];
    for (const [file, label] of Object.entries(labels)) {
      const got = asLabel(results.get(file) as Classification);
      const score = perClass.get(label.class) ?? { right: 0, total: 0 };
      score.total++;
      if (got === label.class) score.right++;
      else wrong.push(`${file}: expected ${label.class}, got ${got}`);
      perClass.set(label.class, score);
    }
    const right = [...perClass.values()].reduce((sum, s) => sum + s.right, 0);
    const total = Object.keys(labels).length;
    const lines = [...perClass.entries()].map(
      ([name, s]) =>
        `  ${name.padEnd(11)} ${s.right}/${s.total} (${((100 * s.right) / s.total).toFixed(1)}%)`,
    );
    console.log(
      `class accuracy ${right}/${total} (${((100 * right) / total).toFixed(1)}%)\n${lines.join('\n')}`,
    );
    if (wrong.length > 0) console.log(wrong.join('\n'));
    expect(right / total).toBeGreaterThanOrEqual(0.98);
  });

  it('never takes a bounce for a reply, and never takes other mail for a bounce', () => {
    const bouncesAsReplies = Object.entries(labels)
      .filter(([file, label]) => FAILURE_CLASSES.has(label.class) && results.get(file)?.class === 'reply')
      .map(([file]) => file);
    const falseBounces = Object.entries(labels)
      .filter(([file, label]) => !FAILURE_CLASSES.has(label.class) && results.get(file)?.class === 'bounce')
      .map(([file]) => file);
    expect(bouncesAsReplies).toEqual([]);
    expect(falseBounces).toEqual([]);
  });

  it('counts no automatic reply as a reply, and turns every complaint into feedback', () => {
    for (const [file, label] of Object.entries(labels)) {
      const got = results.get(file) as Classification;
      if (label.class === 'auto_reply') expect(got.class, file).toBe('auto_reply');
      if (label.class === 'feedback') expect(got.class, file).toBe('feedback');
    }
  });

  it('tells hard from soft failures, names the failed recipient and the reason, and prints the scores', () => {
    let hardRight = 0;
    let reasonRight = 0;
    let named = 0;
    let falseHard = 0;
    let total = 0;
    const reasons = new Map<string, { right: number; total: number }>();
    for (const [file, label] of Object.entries(labels)) {
      const expected = label.recipients[0];
      if (!FAILURE_CLASSES.has(label.class) || !expected) continue;
      const got = (results.get(file) as Classification).recipients[0];
      total++;
      if (got?.hard === expected.hardBounce) hardRight++;
      if (got?.hard && !expected.hardBounce) falseHard++;
      if (got?.address) named++;
      const score = reasons.get(expected.reason) ?? { right: 0, total: 0 };
      score.total++;
      if (got?.reason === expected.reason) {
        reasonRight++;
        score.right++;
      }
      reasons.set(expected.reason, score);
    }
    const pct = (n: number) => `${n}/${total} (${((100 * n) / total).toFixed(1)}%)`;
    const perReason = [...reasons.entries()]
      .sort((a, b) => b[1].total - a[1].total)
      .map(([name, s]) => `  ${name.padEnd(16)} ${s.right}/${s.total}`);
    console.log(
      `failures: hard/soft ${pct(hardRight)}, reason ${pct(reasonRight)}, recipient named ${pct(named)}, ` +
        `soft taken for hard ${falseHard}\n${perReason.join('\n')}`,
    );
    expect(hardRight / total).toBeGreaterThanOrEqual(0.98);
    expect(named / total).toBeGreaterThanOrEqual(0.97);
    expect(reasonRight / total).toBeGreaterThanOrEqual(0.85);
    // Taking a soft failure for a hard one suppresses a good address for the whole organisation: the costly error.
    expect(falseHard).toBeLessThanOrEqual(2);
  });

  it('finds the Message-ID of the returned email in most delivery failures', () => {
    const failures = Object.entries(labels).filter(([, label]) => label.class === 'bounce');
    const found = failures.filter(([file]) => (results.get(file)?.original.messageIds.length ?? 0) > 0);
    console.log(`original Message-ID found in ${found.length}/${failures.length} bounces`);
    expect(found.length / failures.length).toBeGreaterThanOrEqual(0.85);
  });
});
