/** Summary of a sample of durations (ms). */
export interface DurationSummary {
  sample_size: number;
  avg: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentiles of `values` (any order). */
export function summarize(values: number[]): DurationSummary {
  if (values.length === 0) return { sample_size: 0, avg: null, p50: null, p95: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const avg = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return {
    sample_size: sorted.length,
    avg: Math.round(avg * 100) / 100,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted[sorted.length - 1],
  };
}
