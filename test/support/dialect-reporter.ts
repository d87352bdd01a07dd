import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints, after the run, how many tests ran against each database, so CI logs show that the PostgreSQL suite
 * really ran (suites name their dialect: `describe.each(dialects)('… on %s')`).
 */
export default class DialectReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { sqlite: { passed: 0, failed: 0 }, postgres: { passed: 0, failed: 0 } };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const dialect = /postgres/i.test(test.fullName)
          ? 'postgres'
          : /sqlite/i.test(test.fullName)
            ? 'sqlite'
            : null;
        if (!dialect) continue;
        const state = test.result().state;
        if (state === 'passed') counts[dialect].passed++;
        else if (state === 'failed') counts[dialect].failed++;
      }
    }
    for (const [dialect, count] of Object.entries(counts)) {
      console.log(`Storage suite on ${dialect}: ${count.passed} passed, ${count.failed} failed`);
    }
  }
}
