import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyInbound } from '../../src/mail/classify/index.ts';
import { round } from '../lib/env.ts';
import type { Report } from '../lib/report.ts';

/**
 * Inbound classification throughput on one core: the real bounce corpus (test/fixtures/bounces: 288 messages
 * from 60+ mail servers), classified round after round in one process, parse included, counted per CPU-second of
 * the process (one core). Target ≥ 500 messages/s.
 */
export async function benchClassifyInbound(rounds: number, report: Report): Promise<{ perSecond: number }> {
  const dir = join(import.meta.dirname, '../../test/fixtures/bounces');
  const messages = readdirSync(dir)
    .filter((file) => file.endsWith('.eml'))
    .map((file) => readFileSync(join(dir, file)));
  let bounces = 0;
  for (const raw of messages) if ((await classifyInbound(raw)).class === 'bounce') bounces++;
  if (bounces < messages.length * 0.9)
    throw new Error(`only ${bounces}/${messages.length} recognised as bounces`);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let count = 0;
  for (let i = 0; i < rounds; i++) {
    for (const raw of messages) {
      await classifyInbound(raw);
      count++;
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  const wallSeconds = (performance.now() - started) / 1000;
  // Per CPU-second of this process: on a shared machine the wall clock also counts other processes' turns.
  const perSecond = count / ((cpu.user + cpu.system) / 1e6);
  report.add({
    scenario: '6. Inbound classification',
    setup: `${messages.length} real bounces/replies × ${rounds} rounds, one process, parse included`,
    metric: 'messages/s',
    value: round(perSecond, 0),
    unit: 'msg/CPU-s',
    target: '≥ 500',
    met: perSecond >= 500,
    note: `${round(count / wallSeconds, 0)} msg/s by the wall clock`,
  });
  return { perSecond };
}
