// What every benchmark module reports; the runner prints them side by side so ratios come from one run.
import { readFileSync } from 'node:fs';
import type { CeilingName } from './ceilings';

export interface BenchResult {
  name: string;
  events?: number;
  eventsPerSecond?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** The same-run ceiling `eventsPerSecond` is judged against (ceilings.ts); the runner prints the ratio. */
  ceiling?: CeilingName;
  notes?: string;
}

export interface BenchModule {
  run(): Promise<BenchResult[]>;
}

/** Percentile of already-collected samples (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** utime + stime of a process so far, in seconds (Linux /proc, clock ticks of 1/100 s): steadier than rates on a shared machine. */
export function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
