// pg-boss 12 on PostgreSQL. Settings: `defaults` (work() as shipped: batchSize 1, poll 2 s) and
// `tuned` (as its docs advise for throughput: batchSize 1000, poll 0.5 s, burstWhenBatchFull).
import { PgBoss } from 'pg-boss';
import pg from 'pg';
import { args as a, latencySummary, report, rss, sleep, submitOnGrid, timedEnqueue, wall } from './common.mjs';

const QUEUE = 'bench';
const boss = new PgBoss({ connectionString: a.url, schema: 'pgboss', supervise: false, schedule: false, useListenNotify: a.op === 'latency' });
boss.on('error', (e) => console.error(e.message));
await boss.start();
await boss.createQueue(QUEUE, a.op === 'latency' ? { notify: true } : {});
const db = new pg.Client({ connectionString: a.url });
await db.connect();
const completed = async () => Number((await db.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`, [QUEUE])).rows[0].n);

async function fill(n) {
  for (let i = 0; i < n; i += 1000) await boss.insert(QUEUE, Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ data: { i: i + j } })));
  await db.query('ANALYZE pgboss.job');
}

if (a.op === 'enqueue') {
  report(await timedEnqueue(a.mode, a.n, (i) => boss.send(QUEUE, { i }), (ids) => boss.insert(QUEUE, ids.map((i) => ({ data: { i } })))));
} else if (a.op === 'drain') {
  await fill(a.n);
  const before = rss();
  let seen = 0;
  const options = a.mode === 'tuned'
    ? { batchSize: 1000, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true }
    : a.concurrency === 50 ? { localConcurrency: 50 } : {};
  const start = performance.now();
  await boss.work(QUEUE, options, async (jobs) => { seen += jobs.length; });
  // Defaults are poll-bound (2 s per job at batchSize 1): measured over a window, as the anchors' notes do.
  const windowMs = a.mode === 'tuned' ? 120_000 : 15_000;
  let done = 0;
  while (performance.now() - start < windowMs) {
    done = await completed();
    if (done >= a.n) break;
    await sleep(50);
  }
  const seconds = (performance.now() - start) / 1000;
  report({ jobs_per_s: Math.round((done / seconds) * 10) / 10, seconds, drained: done >= a.n, completed: done, rss_before_mb: before, rss_after_mb: rss() });
} else if (a.op === 'latency') {
  const latencies = [];
  let seen = 0;
  const finished = new Promise((resolve) => {
    void boss.work(QUEUE, { batchSize: 200, pollingIntervalSeconds: 2 }, async (jobs) => {
      const now = wall();
      for (const job of jobs) { if (job.data.seq >= 0) latencies.push(now - job.data.t0); seen++; }
      if (seen >= a.n + 20) resolve();
    });
  });
  await sleep(500);
  await submitOnGrid(a.n, (data) => boss.send(QUEUE, data));
  await finished;
  report(latencySummary(latencies));
}
await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
await db.end();
process.exit(0);
