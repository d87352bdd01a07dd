import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from './clock.ts';
import {
  fileClock,
  movingClock,
  processClock,
  setTestClock,
  TestClockRefusedError,
  testClockSpec,
} from './test-clock.ts';

const dir = mkdtempSync(join(tmpdir(), 'stepwise-test-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the test clock of serve and worker', () => {
  it('reads a moment or a file path from STEPWISE_TEST_CLOCK (STEPWISE_FAKE_NOW: moment only)', () => {
    expect(testClockSpec({})).toBeNull();
    expect(testClockSpec({ STEPWISE_TEST_CLOCK: '2026-12-04T22:30:00Z' })).toEqual({
      kind: 'moment',
      at: Date.UTC(2026, 11, 4, 22, 30),
    });
    expect(testClockSpec({ STEPWISE_FAKE_NOW: '1767600000000' })).toEqual({
      kind: 'moment',
      at: 1767600000000,
    });
    expect(testClockSpec({ STEPWISE_TEST_CLOCK: '/tmp/clock' })).toEqual({
      kind: 'file',
      path: '/tmp/clock',
    });
    expect(() => testClockSpec({ STEPWISE_TEST_CLOCK: 'tomorrow' })).toThrow(/neither a time/);
  });

  it('is refused unless NODE_ENV=test or --unsafe-test-clock', () => {
    const env = { STEPWISE_TEST_CLOCK: '2026-12-04T22:30:00Z' };
    expect(() => processClock({ ...env, NODE_ENV: 'production' }, false)).toThrow(TestClockRefusedError);
    expect(() => processClock(env, false)).toThrow(/NODE_ENV=test or --unsafe-test-clock/);
    expect(() => processClock({ STEPWISE_FAKE_NOW: '1767600000000' }, false)).toThrow(TestClockRefusedError);
    expect(processClock({ ...env, NODE_ENV: 'production' }, true).test).toBe(true);
    expect(processClock({ ...env, NODE_ENV: 'test' }, false).clock.now()).toBeGreaterThanOrEqual(
      Date.UTC(2026, 11, 4, 22, 30),
    );
    expect(processClock({ NODE_ENV: 'production' }, false)).toEqual({ clock: systemClock, test: false });
  });

  it('a moment runs at real speed from there', () => {
    let real = 1_000;
    const clock = movingClock(Date.UTC(2026, 11, 4), () => real);
    real += 90_000;
    expect(clock.now()).toBe(Date.UTC(2026, 11, 4) + 90_000);
  });

  it('a file clock stands still and jumps when the file is rewritten; damaged content keeps the last time', async () => {
    const path = join(dir, 'clock');
    setTestClock(path, Date.UTC(2026, 11, 4, 22, 30));
    const clock = fileClock(path, 0);
    expect(clock.now()).toBe(Date.UTC(2026, 11, 4, 22, 30));
    await new Promise((r) => setTimeout(r, 5));
    expect(clock.now()).toBe(Date.UTC(2026, 11, 4, 22, 30));
    setTestClock(path, Date.UTC(2026, 11, 8, 14, 0));
    expect(clock.now()).toBe(Date.UTC(2026, 11, 8, 14, 0));
    writeFileSync(path, '2026-12-');
    expect(clock.now()).toBe(Date.UTC(2026, 11, 8, 14, 0));
    writeFileSync(path, 'nonsense');
    expect(() => fileClock(path)).toThrow(/holds no time/);
  });
});
