import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { round } from './env.ts';

const PROBE = pathToFileURL(resolve(import.meta.dirname, 'heap-probe.mjs')).href;
const MiB = 1024 * 1024;

export interface MemoryFigures {
  /** Highest resident set seen: the kernel's high-water mark (VmHWM) and our own samples of VmRSS. */
  peakRssMiB: number | null;
  /** Resident set at the last sample. */
  rssMiB: number | null;
  /** Highest V8 heap in use, from the preloaded probe (null when the probe did not run). */
  peakHeapMiB: number | null;
  heapMiB: number | null;
}

/** `VmRSS` and `VmHWM` of a live process, KiB (null once it has exited). */
export function procStatus(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(status.match(/VmRSS:\s+(\d+)/)?.[1]);
    const hwm = Number(status.match(/VmHWM:\s+(\d+)/)?.[1]);
    return Number.isFinite(rss) && Number.isFinite(hwm) ? { rss, hwm } : null;
  } catch {
    return null;
  }
}

/** Environment that preloads the heap probe into a child process, writing to `file`. */
export function heapProbeEnv(file: string): Record<string, string> {
  const existing = process.env.NODE_OPTIONS ?? '';
  return { NODE_OPTIONS: `${existing} --import=${PROBE}`.trim(), BENCH_HEAP_FILE: file };
}

/**
 * Samples a child's memory from outside every `everyMs` (/proc/PID/status) and reads the heap probe's file.
 * Read `figures()` while the process still runs: /proc forgets it at exit (the last sample is kept).
 */
export function memorySampler(pid: number, heapFile: string | null, everyMs = 250) {
  let peakKiB = 0;
  let lastKiB: number | null = null;
  const sample = () => {
    const status = procStatus(pid);
    if (!status) return;
    lastKiB = status.rss;
    peakKiB = Math.max(peakKiB, status.rss, status.hwm);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  const heap = (): { peakHeapUsed: number; heapUsed: number } | null => {
    if (!heapFile) return null;
    try {
      return JSON.parse(readFileSync(heapFile, 'utf8')) as { peakHeapUsed: number; heapUsed: number };
    } catch {
      return null;
    }
  };
  return {
    figures(): MemoryFigures {
      sample();
      const h = heap();
      return {
        peakRssMiB: peakKiB > 0 ? round(peakKiB / 1024) : null,
        rssMiB: lastKiB === null ? null : round(lastKiB / 1024),
        peakHeapMiB: h ? round(h.peakHeapUsed / MiB) : null,
        heapMiB: h ? round(h.heapUsed / MiB) : null,
      };
    },
    stop() {
      clearInterval(timer);
      if (heapFile) rmSync(heapFile, { force: true });
    },
  };
}
