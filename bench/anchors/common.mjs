// Shared helpers of the anchor scripts (plain ESM: pg-boss 12 and graphile-worker 0.18 are ESM-only).
export const args = JSON.parse(process.argv[2] ?? '{}');
export const wall = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const rss = () => Math.round((process.memoryUsage().rss / 1048576) * 10) / 10;
export const report = (r) => process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);

export function latencySummary(values) {
  const s = [...values].sort((a, b) => a - b);
  const p = (q) => Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1))] * 100) / 100;
  return { p50: p(50), p95: p(95), p99: p(99), n: s.length };
}

/** Runs `send` n times one at a time, 50 in flight, or as `bulk` chunks of 1,000; returns jobs/s. */
export async function timedEnqueue(mode, n, send, bulk) {
  const start = performance.now();
  if (mode === 'seq') for (let i = 0; i < n; i++) await send(i);
  else if (mode === 'inflight50') {
    let next = 0;
    await Promise.all(Array.from({ length: 50 }, async () => { while (next < n) await send(next++); }));
  } else for (let i = 0; i < n; i += 1000) await bulk(Array.from({ length: Math.min(1000, n - i) }, (_, j) => i + j));
  const seconds = (performance.now() - start) / 1000;
  return { jobs_per_s: Math.round(n / seconds), seconds };
}

/** 20 warm-up jobs, then n jobs on a 20 ms grid, each carrying its submit time `t0`. */
export async function submitOnGrid(n, send) {
  for (let i = 0; i < 20; i++) { await send({ seq: -1, t0: wall() }); await sleep(5); }
  await sleep(300);
  const start = performance.now();
  for (let seq = 0; seq < n; seq++) {
    const wait = start + seq * 20 - performance.now();
    if (wait > 0) await sleep(wait);
    await send({ seq, t0: wall() });
  }
}
