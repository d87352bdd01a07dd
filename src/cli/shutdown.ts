import type pino from 'pino';

/**
 * SIGTERM/SIGINT handling shared by `serve` and `worker`: run `stop` once (stop accepting requests, let each loop
 * finish the batch in hand, close the pool) and exit 0; if that takes longer than `timeoutMs` (SHUTDOWN_TIMEOUT),
 * exit 1 anyway, so an orchestrator's own kill deadline is never the one that ends us. A second signal exits at
 * once. Whatever a forced exit interrupts is leased: another worker (or this one, restarted) takes it over.
 */
export function exitOnSignal(input: {
  logger: pino.Logger;
  timeoutMs: number;
  stop: () => Promise<void>;
  exit?: (code: number) => void;
}): void {
  const exit = input.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      input.logger.warn({ signal }, 'second signal; exiting now');
      exit(1);
      return;
    }
    stopping = true;
    const startedAt = Date.now();
    input.logger.info({ signal, timeoutMs: input.timeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      input.logger.error({ timeoutMs: input.timeoutMs }, 'shutdown deadline passed; exiting');
      exit(1);
    }, input.timeoutMs);
    deadline.unref();
    input.stop().then(
      () => {
        clearTimeout(deadline);
        input.logger.info({ ms: Date.now() - startedAt }, 'stopped');
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        input.logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
