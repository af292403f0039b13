import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes on one machine. */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();

/** Prints the measurement for the orchestrator (one line, prefixed). */
export function report(result: Record<string, unknown>): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/** Arguments passed by the orchestrator as one JSON argument. */
export function args<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function latencySummary(values: number[]): { p50: number; p95: number; p99: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 100) / 100;
  return { p50: r(percentile(sorted, 50)), p95: r(percentile(sorted, 95)), p99: r(percentile(sorted, 99)), n: sorted.length };
}

export const rssMb = (): number => Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;

/**
 * Where the RSS is: pages mapped from files (the node binary and shared libraries, shared between
 * processes; /proc/self/status RssFile, Linux only) and the physical size of V8's young generation,
 * which V8 keeps once grown (it is not returned after a burst of allocation).
 */
export function rssBreakdownMb(): { rss_file_mb?: number; young_gen_mb: number } {
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  const young = getHeapSpaceStatistics()
    .filter((s) => s.space_name === 'new_space' || s.space_name === 'new_large_object_space')
    .reduce((sum, s) => sum + s.physical_space_size, 0);
  let file: number | undefined;
  try {
    const kb = /^RssFile:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) file = mb(Number(kb) * 1024);
  } catch {
    // not Linux: the split is left out
  }
  return { rss_file_mb: file, young_gen_mb: mb(young) };
}
