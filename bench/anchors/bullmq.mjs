// BullMQ 6 on the local Redis (database 15, flushed first). Redis runs without persistence here:
// its commits are not fsync'd like PostgreSQL's.
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { args as a, latencySummary, report, rss, sleep, submitOnGrid, timedEnqueue, wall } from './common.mjs';

const connection = { host: '127.0.0.1', port: 6379, db: 15, maxRetriesPerRequest: null };
const admin = new IORedis(connection);
await admin.flushdb();
const queue = new Queue('bench', { connection, defaultJobOptions: { removeOnComplete: false, removeOnFail: false } });

async function fill(n) {
  for (let i = 0; i < n; i += 1000) await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ name: 'job', data: { i: i + j } })));
}

if (a.op === 'enqueue') {
  report(await timedEnqueue(a.mode, a.n, (i) => queue.add('job', { i }), (ids) => queue.addBulk(ids.map((i) => ({ name: 'job', data: { i } })))));
} else if (a.op === 'drain') {
  await fill(a.n);
  const before = rss();
  let seen = 0;
  const start = performance.now();
  const worker = new Worker('bench', async () => { seen++; }, { connection, concurrency: a.concurrency ?? 1 });
  while (seen < a.n || (await queue.getJobCounts('completed')).completed < a.n) await sleep(20);
  const seconds = (performance.now() - start) / 1000;
  report({ jobs_per_s: Math.round(a.n / seconds), seconds, rss_before_mb: before, rss_after_mb: rss() });
  await worker.close();
} else if (a.op === 'latency') {
  const latencies = [];
  let seen = 0;
  let resolve;
  const finished = new Promise((r) => (resolve = r));
  const worker = new Worker('bench', async (job) => { if (job.data.seq >= 0) latencies.push(wall() - job.data.t0); if (++seen >= a.n + 20) resolve(); }, { connection, concurrency: 1 });
  await worker.waitUntilReady();
  await sleep(500);
  await submitOnGrid(a.n, (data) => queue.add('job', data));
  await finished;
  report(latencySummary(latencies));
  await worker.close();
}
await queue.close();
await admin.quit();
process.exit(0);
