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
