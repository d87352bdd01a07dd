import type { Command } from 'commander';
import type { Clock } from '../engine/clock.ts';
import { processClock, TestClockRefusedError } from '../engine/test-clock.ts';

/** Adds `--unsafe-test-clock` to `serve` and `worker` (see src/engine/test-clock.ts). */
export function withTestClockOption(command: Command): Command {
  return command.option(
    '--unsafe-test-clock',
    'allow STEPWISE_TEST_CLOCK outside NODE_ENV=test (demos only: email goes out at the fake time)',
  );
}

/**
 * The process clock from the environment; exits with status 2 and a clear message when a test clock is asked
 * for where it is not allowed, before anything is opened or sent.
 */
export function clockOrExit(unsafe: boolean | undefined): { clock: Clock; test: boolean } {
  try {
    return processClock(process.env, unsafe === true);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof TestClockRefusedError ? 2 : 1);
  }
}
