// Preloaded into a benchmarked child process (NODE_OPTIONS=--import): every 200 ms it records the process's
// current and peak V8 heap and RSS into the JSON file named by BENCH_HEAP_FILE, so the bench can read the heap
// of a real `stepwise worker` without touching its code. The timer is unref'd: it never keeps the process alive.
// The file is rewritten only when a peak rose or a second passed (and at exit): a write every 200 ms took a few
// per cent of a busy worker's CPU, which the engine benchmark counts as the worker's.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_HEAP_FILE;
if (file) {
  let peakHeapUsed = 0;
  let peakHeapTotal = 0;
  let written = 0;
  const sample = (always) => {
    const m = process.memoryUsage();
    const rose = m.heapUsed > peakHeapUsed || m.heapTotal > peakHeapTotal;
    peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
    peakHeapTotal = Math.max(peakHeapTotal, m.heapTotal);
    if (always !== true && !rose && Date.now() - written < 1000) return;
    written = Date.now();
    try {
      writeFileSync(file, JSON.stringify({ heapUsed: m.heapUsed, peakHeapUsed, peakHeapTotal, rss: m.rss }));
    } catch {}
  };
  setInterval(sample, 200).unref();
  process.on('exit', () => sample(true));
}
