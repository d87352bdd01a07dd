import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type Clock, systemClock } from './clock.ts';

/**
 * The test clock of the whole product (issue 13): the same injected `Clock` the engine tests move, driving real
 * `stepwise serve` and `stepwise worker` processes so an end-to-end test can walk a sequence across weeks.
 *
 * `STEPWISE_TEST_CLOCK` is either
 * - a moment (ISO date or epoch ms): the clock starts there and runs at real speed; or
 * - a file path: the clock stands still at the moment written in the file (ISO date or epoch ms) and jumps when
 *   a test rewrites it — every process reading the file sees the same time, so a test advances serve and
 *   workers together (`setTestClock(path, ms)`).
 * `STEPWISE_FAKE_NOW` (older name) is the moment form.
 *
 * A fake clock in production would send email at the wrong time, so it is refused unless NODE_ENV=test or the
 * command line says `--unsafe-test-clock`.
 */
export class TestClockRefusedError extends Error {}

export type TestClockSpec = { kind: 'moment'; at: number } | { kind: 'file'; path: string };

function parseMoment(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? at : null;
}

/** What the environment asks for: nothing, a moment, or a clock file. */
export function testClockSpec(env: NodeJS.ProcessEnv): TestClockSpec | null {
  const raw = env.STEPWISE_TEST_CLOCK || env.STEPWISE_FAKE_NOW;
  if (!raw) return null;
  const at = parseMoment(raw);
  if (at !== null) return { kind: 'moment', at };
  if (env.STEPWISE_TEST_CLOCK && /^[./]/.test(raw)) return { kind: 'file', path: raw };
  throw new Error(`STEPWISE_TEST_CLOCK is neither a time (ISO date, epoch ms) nor a file path: ${raw}`);
}

/** A clock that runs at real speed from `at`. */
export function movingClock(at: number, real: () => number = Date.now): Clock {
  const realStart = real();
  return { now: () => at + (real() - realStart) };
}

/** A clock standing at the moment written in `path`; re-read at most every `refreshMs` of real time. */
export function fileClock(path: string, refreshMs = 5): Clock {
  let current = readMoment(path);
  if (current === null) throw new Error(`The test clock file ${path} holds no time (ISO date or epoch ms)`);
  let readAt = Date.now();
  return {
    now() {
      if (Date.now() - readAt >= refreshMs) {
        readAt = Date.now();
        // A file caught mid-write (or gone) keeps the last time read.
        current = readMoment(path) ?? current;
      }
      return current as number;
    },
  };
}

function readMoment(path: string): number | null {
  try {
    return parseMoment(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Moves every process reading `path` to `at` (written atomically: readers never see half a time). */
export function setTestClock(path: string, at: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, new Date(at).toISOString());
  renameSync(temporary, path);
}

/**
 * The clock of a `serve` or `worker` process: the system clock, or the test clock the environment asks for —
 * refused (TestClockRefusedError) unless NODE_ENV=test or `unsafe` (`--unsafe-test-clock`).
 */
export function processClock(env: NodeJS.ProcessEnv, unsafe: boolean): { clock: Clock; test: boolean } {
  const spec = testClockSpec(env);
  if (!spec) return { clock: systemClock, test: false };
  if (env.NODE_ENV !== 'test' && !unsafe) {
    throw new TestClockRefusedError(
      'STEPWISE_TEST_CLOCK (or STEPWISE_FAKE_NOW) is set, but a fake clock would send email at the wrong time: ' +
        'it runs only with NODE_ENV=test or --unsafe-test-clock. Unset it in production.',
    );
  }
  switch (spec.kind) {
    case 'moment':
      return { clock: movingClock(spec.at), test: true };
    case 'file':
      return { clock: fileClock(spec.path), test: true };
    default: {
      const never: never = spec;
      return never;
    }
  }
}
