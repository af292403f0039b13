// A minimal raw PostgreSQL queue with `pg`: the practical limit for a Postgres-backed queue.
// INSERT; claim with FOR UPDATE SKIP LOCKED in batches; complete in one statement.
// Usage: node raw-pg.mjs '{"op":"enqueue"|"drain"|"latency", "mode", "n", "url"}'
// (latency: mode "cross-process" inserts from a child process, as our "other process" scenario does)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { args as a, latencySummary, report, rss, sleep, wall } from './common.mjs';

const pool = new pg.Pool({ connectionString: a.url, max: 60, options: '-c jit=off' });

const SCHEMA = `
CREATE TABLE IF NOT EXISTS raw_jobs (
  id bigserial PRIMARY KEY,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz
);
CREATE INDEX IF NOT EXISTS raw_jobs_pending ON raw_jobs (id) WHERE status = 'pending';`;

const INSERT = { name: 'ins', text: 'INSERT INTO raw_jobs (payload) VALUES ($1)' };
const INSERT_NOTIFY = { name: 'ins_notify', text: "WITH i AS (INSERT INTO raw_jobs (payload) VALUES ($1) RETURNING id) SELECT pg_notify('raw_jobs', '') FROM i" };
const CLAIM = (n) => ({
  name: `claim${n}`,
  text: `UPDATE raw_jobs SET status = 'running', started_at = now() WHERE id IN (
           SELECT id FROM raw_jobs WHERE status = 'pending' ORDER BY id LIMIT ${n} FOR UPDATE SKIP LOCKED) RETURNING id, payload`,
});
const COMPLETE = { name: 'complete', text: "UPDATE raw_jobs SET status = 'completed', completed_at = now() WHERE id = ANY($1::bigint[])" };

async function bulkInsert(n) {
  for (let i = 0; i < n; i += 1000) {
    const chunk = Math.min(1000, n - i);
    const values = Array.from({ length: chunk }, (_, j) => `($${j + 1})`).join(',');
    await pool.query(`INSERT INTO raw_jobs (payload) VALUES ${values}`, Array.from({ length: chunk }, (_, j) => JSON.stringify({ i: i + j })));
  }
}

async function enqueue() {
  const start = performance.now();
  if (a.mode === 'seq') for (let i = 0; i < a.n; i++) await pool.query({ ...INSERT, values: [JSON.stringify({ i })] });
  else if (a.mode === 'inflight50') {
    let next = 0;
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (next < a.n) await pool.query({ ...INSERT, values: [JSON.stringify({ i: next++ })] });
    }));
  } else await bulkInsert(a.n);
  const seconds = (performance.now() - start) / 1000;
  report({ jobs_per_s: Math.round(a.n / seconds), seconds });
}

async function drain() {
  await bulkInsert(a.n);
  await pool.query('ANALYZE raw_jobs');
  const rssBefore = rss();
  let done = 0;
  const start = performance.now();
  const batch = a.concurrency ?? 50;
  if (batch === 1) {
    const client = await pool.connect();
    for (;;) {
      const { rows } = await client.query(CLAIM(1));
      if (rows.length === 0) break;
      done++;
      await client.query({ ...COMPLETE, values: [[rows[0].id]] });
    }
    client.release();
  } else {
    // One loop: claim a batch, run its handlers, complete the batch in one statement.
    for (;;) {
      const { rows } = await pool.query(CLAIM(batch));
      if (rows.length === 0) break;
      await Promise.all(rows.map(async () => { done++; }));
      await pool.query({ ...COMPLETE, values: [rows.map((r) => r.id)] });
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (done !== a.n) throw new Error(`ran ${done} of ${a.n}`);
  report({ jobs_per_s: Math.round(a.n / seconds), seconds, rss_before_mb: rssBefore, rss_after_mb: rss() });
}

/**
 * The floor under a durable submit: one single-row INSERT and its commit (a WAL
 * flush) on the 20 ms grid, timed from send to reply. Nothing can run a task
 * sooner than its row is committed, so no same-process latency beats this.
 */
async function commitFloor() {
  const times = [];
  for (let seq = -20; seq < a.n; seq++) {
    await sleep(seq < 0 ? 5 : 20);
    const t = performance.now();
    await pool.query({ ...INSERT, values: [JSON.stringify({ seq })] });
    if (seq >= 0) times.push(performance.now() - t);
  }
  report(latencySummary(times));
}

async function latency() {
  if (a.mode === 'commit') return commitFloor();
  // LISTEN/NOTIFY: the inserter notifies in the same statement; the worker claims on notification.
  const listener = new pg.Client({ connectionString: a.url });
  await listener.connect();
  await listener.query('LISTEN raw_jobs');
  const latencies = [];
  let seen = 0;
  const total = 20 + a.n;
  let claiming = false;
  let again = false;
  const finished = new Promise((resolve) => {
    const claim = async () => {
      if (claiming) { again = true; return; }
      claiming = true;
      do {
        again = false;
        const { rows } = await pool.query(CLAIM(10));
        const now = wall();
        for (const r of rows) {
          if (r.payload.seq >= 0) latencies.push(now - r.payload.t0);
          seen++;
        }
        if (rows.length) await pool.query({ ...COMPLETE, values: [rows.map((r) => r.id)] });
      } while (again);
      claiming = false;
      if (seen >= total) resolve();
    };
    listener.on('notification', () => void claim());
  });
  if (a.mode === 'cross-process') {
    // The listener waits idle in this process, as a worker does; the inserts come from another one.
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), JSON.stringify({ ...a, op: 'latency-submitter' })], { stdio: ['ignore', 'inherit', 'inherit'] });
    await new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`submitter exited ${code}`)))));
  } else await latencySubmitter();
  await finished;
  await listener.end();
  report(latencySummary(latencies));
}

/** 20 warm-up jobs, then n jobs on a 20 ms grid, each inserted with its NOTIFY and carrying its submit time. */
async function latencySubmitter() {
  for (let i = 0; i < 20; i++) { await pool.query({ ...INSERT_NOTIFY, values: [JSON.stringify({ seq: -1, t0: wall() })] }); await sleep(5); }
  await sleep(200);
  const start = performance.now();
  for (let seq = 0; seq < a.n; seq++) {
    const wait = start + seq * 20 - performance.now();
    if (wait > 0) await sleep(wait);
    await pool.query({ ...INSERT_NOTIFY, values: [JSON.stringify({ seq, t0: wall() })] });
  }
}

await pool.query(SCHEMA);
await { enqueue, drain, latency, 'latency-submitter': latencySubmitter }[a.op]();
await pool.end();
