import { request as httpRequest } from 'node:http';
import { ChaosTasksModule, CHAOS_EFFECTS_DDL } from '../fixtures/chaos/chaos-tasks.module';
import { AppProcess } from '../support/app-process';
import { createTestApp, type TestApp } from '../support/test-app';
import { TestDbClient } from '../support/test-db-client';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

/*
 * Faults with real processes: the application runs as child processes on one
 * database; the test submits through an API-only instance of its own and looks
 * at the rows directly. Handlers record every finished execution in
 * `chaos_effects` (task, attempt, instance, start, end).
 */

const LEASE_MS = 3000;
const HEARTBEAT_MS = 500;
const CHILD_ENV = {
  TASK_LEASE_MS: String(LEASE_MS),
  TASK_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
  TASK_POLL_INTERVAL_MS: '250',
  TASK_MAX_IO_WORKERS: '16',
  TASK_ABORT_GRACE_MS: '500',
  TASK_SHUTDOWN_GRACE_SECONDS: '2',
};
const onPostgres = TEST_DIALECT === 'postgres' ? describe : describe.skip;

interface Effect {
  task_id: string;
  attempt: number;
  worker: string;
  started_at: number;
  ended_at: number;
}

interface Fixture {
  db: TestDatabase;
  client: TestDbClient;
  api: TestApp;
  children: AppProcess[];
  start(name: string, env?: Record<string, string>): Promise<AppProcess>;
  effects(): Promise<Effect[]>;
  statusCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

async function setUp(): Promise<Fixture> {
  const db = await createTestDatabase();
  const api = await createTestApp({ env: { ...db.env, TASK_WORKER_ENABLED: 'false' }, imports: [ChaosTasksModule] });
  const client = await TestDbClient.connect(db);
  await client.query(CHAOS_EFFECTS_DDL);
  const children: AppProcess[] = [];
  const fixture: Fixture = {
    db,
    client,
    api,
    children,
    async start(name, env = {}) {
      const child = await AppProcess.start(name, { ...db.env, ...CHILD_ENV, ...env });
      children.push(child);
      return child;
    },
    async effects() {
      const rows = await fixture.client.query<Effect>('SELECT task_id, attempt, worker, started_at, ended_at FROM chaos_effects');
      return rows.map((r) => ({ ...r, attempt: Number(r.attempt), started_at: Number(r.started_at), ended_at: Number(r.ended_at) }));
    },
    async statusCounts() {
      const rows = await fixture.client.query<{ status: string; n: string | number }>('SELECT status, count(*) AS n FROM tasks GROUP BY status');
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    async close() {
      await Promise.all(children.map((c) => c.stop()));
      await api.close();
      await fixture.client.close().catch(() => undefined);
      await db.drop();
    },
  };
  return fixture;
}

/** Runs a test body; when it fails, prints the tail of every child's log to show what the processes did. */
async function withChildLogs(getFixture: () => Fixture | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    for (const child of getFixture()?.children ?? []) console.log(`--- log of ${child.name}\n${child.logs.slice(-4000)}`);
    throw error;
  }
}

async function waitForAllFinished(f: Fixture, total: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => (await f.client.count(`SELECT count(*) AS n FROM tasks WHERE status IN ('completed', 'failed', 'cancelled', 'timeout')`)) === total,
    `${total} tasks to finish`,
    timeoutMs,
    100,
  );
}

/** Checks that no task ran twice at once and that every task completed exactly once. */
async function expectEachCompletedOnce(f: Fixture, taskIds: string[]): Promise<Effect[]> {
  const effects = await f.effects();
  const byTask = new Map<string, Effect[]>();
  for (const e of effects) byTask.set(e.task_id, [...(byTask.get(e.task_id) ?? []), e]);
  const rows = await f.client.query<{ task_id: string; status: string; attempt_history: string | object[] }>(
    'SELECT task_id, status, attempt_history FROM tasks',
  );
  expect(rows).toHaveLength(taskIds.length);
  for (const row of rows) {
    expect(row.status).toBe('completed');
    const history = (typeof row.attempt_history === 'string' ? JSON.parse(row.attempt_history) : row.attempt_history) as Array<{ attempt: number; outcome: string }>;
    // A completed row is its own record of the completing attempt: the stored history keeps only the others.
    expect(history.filter((a) => a.outcome === 'completed')).toHaveLength(0);
    const runs = (byTask.get(row.task_id) ?? []).sort((a, b) => a.started_at - b.started_at);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    // Never two executions of one attempt, never two executions of one task at the same time.
    expect(new Set(runs.map((r) => r.attempt)).size).toBe(runs.length);
    for (let i = 1; i < runs.length; i++) expect(runs[i].started_at).toBeGreaterThanOrEqual(runs[i - 1].ended_at);
    // A task ran to the end more than once only when an earlier attempt was lost with a dead process.
    if (runs.length > 1) {
      const lost = new Set(history.filter((a) => a.outcome === 'lost').map((a) => a.attempt));
      for (const run of runs.slice(0, -1)) expect(lost.has(run.attempt)).toBe(true);
    }
  }
  return effects;
}

describe(`Crash recovery (kill -9) on ${TEST_DIALECT}`, () => {
  let f: Fixture | undefined;
  afterAll(async () => f?.close());

  it('recovers every task of a killed instance within the lease, loses none and completes none twice', async () =>
    withChildLogs(() => f, async () => {
      f = await setUp();
      const first = await f.start('first');
      const inputs = Array.from({ length: 500 }, (_, i) => ({ ms: 40 + ((i * 37) % 160) }));
      const ids = (await f.api.tasks.submitMany('chaos.work', inputs)).map((s) => s.task_id);
      await waitFor(async () => (await f!.client.count(`SELECT count(*) AS n FROM tasks WHERE status = 'completed'`)) >= 100, '100 completions');
      await waitFor(async () => (await f!.client.count(`SELECT count(*) AS n FROM tasks WHERE status = 'running'`)) > 0, 'running tasks');
      first.kill('SIGKILL');
      const killedAt = Date.now();
      expect((await first.waitForExit()).signal).toBe('SIGKILL');
      const orphaned = (await f.client.query<{ task_id: string }>(`SELECT task_id FROM tasks WHERE status = 'running'`)).map((r) => r.task_id);
      expect(orphaned.length).toBeGreaterThan(0);

      await f.start('second');
      // Ready means started: its dispatcher has run its first recovery pass (under load, a child can take seconds to boot).
      const secondReadyAt = Date.now();
      await waitForAllFinished(f, 500);
      await expectEachCompletedOnce(f, ids);

      // The orphans were re-queued once their lease ran out (or, if later, once an instance was there to do it), not hours later.
      const lostAt = await f.client.query<{ task_id: string; attempt_history: string | object[] }>(
        `SELECT task_id, attempt_history FROM tasks WHERE task_id IN (${orphaned.map((_, i) => `$${i + 1}`).join(', ')})`,
        orphaned,
      );
      const late: Array<{ task: string; lateMs: number; secondReadyAfterKillMs: number }> = [];
      for (const row of lostAt) {
        const history = (typeof row.attempt_history === 'string' ? JSON.parse(row.attempt_history) : row.attempt_history) as Array<{ outcome: string; ended_at: string }>;
        const lost = history.find((a) => a.outcome === 'lost');
        expect(lost).toBeDefined();
        const lateMs = new Date(lost!.ended_at).getTime() - Math.max(killedAt + LEASE_MS, secondReadyAt);
        if (lateMs > 2 * HEARTBEAT_MS + 1000) late.push({ task: row.task_id, lateMs, secondReadyAfterKillMs: secondReadyAt - killedAt });
      }
      expect(late).toEqual([]);
      const lostErrors = await f.client.count(`SELECT count(*) AS n FROM tasks WHERE retry_count > 0`);
      expect(lostErrors).toBe(orphaned.length);
    }), 120_000);
});

describe(`Graceful shutdown (SIGTERM) on ${TEST_DIALECT}`, () => {
  let f: Fixture | undefined;
  afterAll(async () => f?.close());

  it('exits 0 within the grace period and hands unfinished tasks back to the next instance at once', async () =>
    withChildLogs(() => f, async () => {
      f = await setUp();
      const first = await f.start('first');
      const short = (await f.api.tasks.submitMany('chaos.work', Array.from({ length: 20 }, () => ({ ms: 100 })))).map((s) => s.task_id);
      const long = (await f.api.tasks.submitMany('chaos.work', Array.from({ length: 8 }, () => ({ ms: 4000 })))).map((s) => s.task_id);
      // The long tasks themselves must all be running (not just any 8 tasks): a long task still pending at SIGTERM is not handed back.
      const longRunning = `SELECT count(*) AS n FROM tasks WHERE status = 'running' AND task_id IN (${long.map((_, i) => `$${i + 1}`).join(', ')})`;
      await waitFor(async () => (await f!.client.count(longRunning, long)) === 8, 'the long tasks to run', 15_000);
      await waitFor(async () => (await f!.client.count(`SELECT count(*) AS n FROM tasks WHERE status = 'completed'`)) === 20, 'the short tasks');
      const signalledAt = Date.now();
      first.kill('SIGTERM');
      const exit = await first.waitForExit(15_000);
      const tookMs = Date.now() - signalledAt;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(tookMs).toBeLessThan(2000 + 3000);
      expect(first.logs).toContain('Handing 8 unfinished task(s) back to the queue');

      // Back in the queue right away: pending, no lease to wait for, attempt not counted as a failure.
      const released = await f.client.query<{ status: string; retry_count: number; locked_by: string | null }>(
        `SELECT status, retry_count, locked_by FROM tasks WHERE task_id IN (${long.map((_, i) => `$${i + 1}`).join(', ')})`,
        long,
      );
      expect(released.map((r) => [r.status, Number(r.retry_count), r.locked_by])).toEqual(long.map(() => ['pending', 0, null]));

      await f.start('second');
      await waitForAllFinished(f, 28, 30_000);
      const rows = await f.client.query<{ attempt_history: string | object[]; status: string; attempt: number }>(
        `SELECT attempt_history, status, attempt FROM tasks WHERE task_id IN (${long.map((_, i) => `$${i + 1}`).join(', ')})`,
        long,
      );
      for (const row of rows) {
        const history = (typeof row.attempt_history === 'string' ? JSON.parse(row.attempt_history) : row.attempt_history) as Array<{ outcome: string }>;
        // Attempt 1 handed back at shutdown; attempt 2 completed (recorded by the row itself).
        expect(history.map((a) => a.outcome)).toEqual(['released']);
        expect([row.status, Number(row.attempt)]).toEqual(['completed', 2]);
      }
      await expectEachCompletedOnce(f, [...short, ...long]);
    }), 90_000);
});

describe(`HTTP at SIGTERM on ${TEST_DIALECT}`, () => {
  let f: Fixture | undefined;
  afterAll(async () => f?.close());

  it('answers a request in flight at SIGTERM: the engine closes only after the HTTP server, so the task it submits is written', async () =>
    withChildLogs(() => f, async () => {
      f = await setUp();
      const web = await f.start('web');
      const base = `http://127.0.0.1:${web.port}`;
      const document = (await (await fetch(`${base}/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'shutdown.md', content: '# Shutdown\n\nA document analysed while the instance stops.' }),
      })).json()) as { id: string };
      // The request is under way when the signal comes: its body is only half sent.
      const body = JSON.stringify({ priority: 10 });
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${base}/documents/${document.id}/analyze`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 5));
        setTimeout(() => {
          web.kill('SIGTERM');
          // Long enough for the dispatcher to have stopped; the store and the database pools close after the HTTP server.
          setTimeout(() => req.end(body.slice(5)), 800);
        }, 300);
      });
      const answered = await response;
      expect(answered.status).toBe(202);
      const { task_id } = JSON.parse(answered.body) as { task_id: string };
      expect(await web.waitForExit(15_000)).toEqual({ code: 0, signal: null });
      expect(await f.client.count(`SELECT count(*) AS n FROM tasks WHERE task_id = $1`, [task_id])).toBe(1);
    }), 60_000);
});

describe(`Cancel across instances on ${TEST_DIALECT}`, () => {
  let f: Fixture | undefined;
  afterAll(async () => f?.close());

  it('cancels an endless task running on another instance within about 2 s and frees its thread', async () =>
    withChildLogs(() => f, async () => {
      f = await setUp();
      const worker = await f.start('worker', { TASK_MAX_CPU_WORKERS: '1' });
      const apiOnly = await f.start('api', { TASK_WORKER_ENABLED: 'false' });
      const { task_id } = await f.api.tasks.submit('chaos.spin', {}, { timeoutSeconds: 600 });
      await waitFor(async () => (await f!.api.tasks.find(task_id))?.status === 'running', 'the spin task to run');
      const cancelledAt = Date.now();
      const res = await apiOnly.json<{ status: string }>('POST', `/tasks/${task_id}/cancel`);
      expect(res.status).toBe(202);
      await waitFor(async () => (await f!.api.tasks.find(task_id))?.status === 'cancelled', 'cancelled', 5000, 20);
      expect(Date.now() - cancelledAt).toBeLessThan(2500);
      // The worker's only thread was terminated and replaced: it runs the next CPU task.
      const stats = await worker.json<{ instance: { pools: Array<{ kind: string; busy: number; threads: number }> } }>('GET', '/tasks/statistics');
      expect(stats.body.instance.pools.find((p) => p.kind === 'worker')).toMatchObject({ busy: 0 });
      const next = await f.api.tasks.submit('chaos.spin', { cooperative: true }, { timeoutSeconds: 1, maxRetries: 0 });
      await waitFor(async () => (await f!.api.tasks.find(next.task_id))?.status === 'timeout', 'the next CPU task to run on the replacement thread', 10_000);
    }), 60_000);
});

onPostgres('Many instances on one PostgreSQL', () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it.each([2, 3])('%i instances drain 3,000 tasks, each executed exactly once, spread across instances', async (instances) =>
    withChildLogs(() => f, async () => {
      f = await setUp();
      const started = await Promise.all(Array.from({ length: instances }, (_, i) => f!.start(`instance-${i + 1}`)));
      const ids = (await f.api.tasks.submitMany('chaos.work', Array.from({ length: 3000 }, () => ({ ms: 10 })))).map((s) => s.task_id);
      await waitForAllFinished(f, 3000);
      const effects = await expectEachCompletedOnce(f, ids);
      expect(effects).toHaveLength(3000);
      expect(await f.client.count(`SELECT count(*) AS n FROM tasks WHERE attempt <> 1`)).toBe(0);
      const perWorker = new Map<string, number>();
      for (const e of effects) perWorker.set(e.worker, (perWorker.get(e.worker) ?? 0) + 1);
      expect(perWorker.size).toBe(started.length);
      for (const count of perWorker.values()) expect(count).toBeGreaterThan(3000 / instances / 4);
    }), 120_000);

  it('keeps a cluster-wide concurrency limit across instances', async () =>
    withChildLogs(() => f, async () => {
      f = await setUp();
      await Promise.all([f.start('a', { TASK_TYPE_CONCURRENCY: 'chaos.work=2' }), f.start('b', { TASK_TYPE_CONCURRENCY: 'chaos.work=2' })]);
      const ids = (await f.api.tasks.submitMany('chaos.work', Array.from({ length: 30 }, () => ({ ms: 100 })))).map((s) => s.task_id);
      let maxRunning = 0;
      const sampler = setInterval(() => {
        void f!.client.count(`SELECT count(*) AS n FROM tasks WHERE status = 'running'`).then((n) => (maxRunning = Math.max(maxRunning, n)));
      }, 15);
      try {
        await waitForAllFinished(f, 30);
      } finally {
        clearInterval(sampler);
      }
      const effects = await expectEachCompletedOnce(f, ids);
      // At no moment did more than two executions overlap.
      const edges = effects.flatMap((e) => [
        [e.started_at, 1],
        [e.ended_at, -1],
      ]) as Array<[number, number]>;
      edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let overlap = 0;
      let maxOverlap = 0;
      for (const [, delta] of edges) maxOverlap = Math.max(maxOverlap, (overlap += delta));
      expect(maxOverlap).toBeLessThanOrEqual(2);
      expect(maxRunning).toBeLessThanOrEqual(2);
      expect(new Set(effects.map((e) => e.worker)).size).toBe(2);
    }), 60_000);

  it('writes the results of tasks that finished while the database was unreachable once it is back', async () =>
    withChildLogs(() => f, async () => {
      f = await setUp();
      // A lease well past the outage: what is tested is the write-back, not a lease running out meanwhile (with the
      // suite's 3 s lease, the 2.5 s outage plus reconnecting on a slow machine could let leases lapse and the tasks rerun).
      const app = await f.start('worker', { TASK_LEASE_MS: String(3 * LEASE_MS) });
      const ids = (await f.api.tasks.submitMany('chaos.work', Array.from({ length: 16 }, () => ({ ms: 1500, recordFirst: true })))).map((s) => s.task_id);
      await waitFor(async () => (await f!.client.count(`SELECT count(*) AS n FROM chaos_effects`)) === 16, 'all 16 to run');
      const name = new URL(f.db.env.DATABASE_URL).pathname.slice(1);
      const admin = await TestDbClient.connect({ ...f.db, env: { DATABASE_URL: process.env.DATABASE_URL! } });
      await f.client.close();
      try {
        // The database disappears for 2.5 s: no new connections, every open one cut. The tasks finish meanwhile.
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
        await new Promise((resolve) => setTimeout(resolve, 2500));
      } finally {
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
        await admin.close();
      }
      f.client = await TestDbClient.connect(f.db);
      await waitForAllFinished(f, 16, 30_000);
      await expectEachCompletedOnce(f, ids);
      // Written by the attempt that ran them — not retried, not lost.
      expect(await f.client.count(`SELECT count(*) AS n FROM tasks WHERE attempt = 1 AND retry_count = 0`)).toBe(16);
      expect(app.logs).toMatch(/Writing \d+ task outcome\(s\) failed/);
    }), 60_000);

  it('recovers on its own when PostgreSQL drops every connection mid-load', async () =>
    withChildLogs(() => f, async () => {
      f = await setUp();
      const app = await f.start('worker');
      const ids = (await f.api.tasks.submitMany('chaos.work', Array.from({ length: 1000 }, () => ({ ms: 20 })))).map((s) => s.task_id);
      for (const threshold of [150, 500]) {
        await waitFor(async () => (await f!.client.count(`SELECT count(*) AS n FROM tasks WHERE status = 'completed'`)) >= threshold, `${threshold} completions`);
        const terminated = await f.client.count(
          `SELECT count(*) AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) t`,
        );
        expect(terminated).toBeGreaterThan(0);
      }
      await waitForAllFinished(f, 1000, 60_000);
      await expectEachCompletedOnce(f, ids);
      // Still serving, and listening again: a new task is picked up at once, without waiting for the poll.
      expect((await app.json('GET', '/tasks/statistics')).status).toBe(200);
      expect(app.logs).toMatch(/reconnecting|retrying/);
    }), 120_000);
});
