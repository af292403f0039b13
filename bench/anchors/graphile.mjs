// graphile-worker 0.18 on PostgreSQL. Settings: `defaults` (concurrency as given, one job per fetch)
// and `tuned` (its 0.17+ batching: localQueue.size 200, completeJobBatchDelay 0 ms).
import { makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import { args as a, latencySummary, report, rss, sleep, submitOnGrid, timedEnqueue, wall } from './common.mjs';

const logger = { scope: () => logger, debug() {}, info() {}, warn() {}, error: (m) => console.error(m) };
const silent = new (await import('graphile-worker')).Logger(() => () => undefined);
const utils = await makeWorkerUtils({ connectionString: a.url, logger: silent });
await utils.migrate();
const db = new pg.Client({ connectionString: a.url });
await db.connect();
const remaining = async () => Number((await db.query('SELECT count(*) AS n FROM graphile_worker._private_jobs')).rows[0].n);
const preset = a.mode === 'tuned' ? { worker: { localQueue: { size: 200 }, completeJobBatchDelay: 0 } } : undefined;

async function fill(n) {
  for (let i = 0; i < n; i += 1000) await utils.addJobs(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ identifier: 'bench', payload: { i: i + j } })));
  await db.query('ANALYZE graphile_worker._private_jobs');
}

if (a.op === 'enqueue') {
  report(await timedEnqueue(a.mode, a.n, (i) => utils.addJob('bench', { i }), (ids) => utils.addJobs(ids.map((i) => ({ identifier: 'bench', payload: { i } })))));
} else if (a.op === 'drain') {
  await fill(a.n);
  const before = rss();
  let seen = 0;
  const start = performance.now();
  const runner = await run({ connectionString: a.url, concurrency: a.concurrency ?? 1, noHandleSignals: true, pollInterval: 2000, logger: silent, preset, taskList: { bench: async () => { seen++; } } });
  while ((await remaining()) > 0 || seen < a.n) await sleep(20);
  const seconds = (performance.now() - start) / 1000;
  report({ jobs_per_s: Math.round(a.n / seconds), seconds, rss_before_mb: before, rss_after_mb: rss() });
  await runner.stop();
} else if (a.op === 'latency') {
  const latencies = [];
  let seen = 0;
  let resolve;
  const finished = new Promise((r) => (resolve = r));
  const runner = await run({
    connectionString: a.url, concurrency: 1, noHandleSignals: true, pollInterval: 2000, logger: silent,
    taskList: { bench: async (payload) => { if (payload.seq >= 0) latencies.push(wall() - payload.t0); if (++seen >= a.n + 20) resolve(); } },
  });
  await sleep(500);
  await submitOnGrid(a.n, (data) => utils.addJob('bench', data));
  await finished;
  report(latencySummary(latencies));
  await runner.stop();
}
await utils.release();
await db.end();
process.exit(0);
