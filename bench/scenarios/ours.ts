/*
 * Our engine, one measurement per process: enqueue | drain | latency | cpu | depth | floor.
 * Arguments (JSON): { op, mode, n, concurrency, db: { url? | sqlitePath? } }.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { CLAIM, ENGINE_SESSION_OPTIONS } from '../../src/modules/tasks/storage/postgres-task.store';
import { TaskEvents } from '../../src/modules/tasks/task-events';
import { WorkerPoolExecutor } from '../../src/modules/tasks/executors/worker-pool.executor';
import { startEngine, dbEnv, type BenchEngine } from '../engine/bench-engine';
import { probe } from '../engine/bench-tasks.module';
import { args, latencySummary, report, rssBreakdownMb, rssMb, sleep, wallClockMs } from '../lib/measure';

interface Args {
  op: 'enqueue' | 'drain' | 'latency' | 'latency-submitter' | 'cpu' | 'cpu-executor' | 'floor';
  mode?: string;
  n: number;
  concurrency?: number;
  db: { url?: string; sqlitePath?: string };
  /** Tasks already queued (inserted straight in SQL) before a drain: the depth test. */
  depth?: number;
}

const a = args<Args>();

async function countCompleted(engine: BenchEngine): Promise<number> {
  const rows = (await engine.dataSource.query(`SELECT count(*) AS n FROM tasks WHERE status = 'completed'`)) as Array<{ n: string | number }>;
  return Number(rows[0].n);
}

async function enqueue(): Promise<void> {
  const engine = await startEngine({ ...dbEnv(a.db), TASK_WORKER_ENABLED: 'false' });
  const inputs = Array.from({ length: a.n }, (_, i) => ({ i }));
  const start = performance.now();
  if (a.mode === 'seq') {
    for (const input of inputs) await engine.tasks.submit('bench.noop', input);
  } else if (a.mode === 'inflight50') {
    let next = 0;
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (next < inputs.length) await engine.tasks.submit('bench.noop', inputs[next++]);
    }));
  } else {
    for (let i = 0; i < inputs.length; i += 1000) await engine.tasks.submitMany('bench.noop', inputs.slice(i, i + 1000));
  }
  const seconds = (performance.now() - start) / 1000;
  const rows = (await engine.dataSource.query('SELECT count(*) AS n FROM tasks')) as Array<{ n: string | number }>;
  if (Number(rows[0].n) !== a.n) throw new Error(`expected ${a.n} rows, found ${rows[0].n}`);
  report({ jobs_per_s: Math.round(a.n / seconds), seconds });
  await engine.close();
}

/** Prefills the queue straight in SQL (fast, not measured), the way the depth test needs a million rows. */
async function prefill(engine: BenchEngine, count: number): Promise<void> {
  const pg = engine.dataSource.options.type === 'postgres';
  for (let done = 0; done < count; done += 100_000) {
    const chunk = Math.min(100_000, count - done);
    await engine.dataSource.query(
      pg
        ? `INSERT INTO tasks (task_id, task_type, status, priority, run_at, created_at, updated_at, input_data, max_retries, timeout_seconds)
           SELECT uuidv7_like.id, 'bench.noop', 'pending', 5, now(), now(), now(), jsonb_build_object('i', g), 3, 300
           FROM generate_series(${done + 1}, ${done + chunk}) g,
                LATERAL (SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7' || substr(md5(g::text), 1, 3) || '8' || substr(md5(g::text), 4, 15))::uuid AS id) uuidv7_like`
        : `WITH RECURSIVE g(n) AS (SELECT ${done + 1} UNION ALL SELECT n + 1 FROM g WHERE n < ${done + chunk})
           INSERT INTO tasks (task_id, task_type, status, priority, run_at, created_at, updated_at, input_data, max_retries, timeout_seconds, metadata, attempt_history)
           SELECT printf('%08x-0000-7000-8000-%012x', n / 65536, n), 'bench.noop', 'pending', 5, strftime('%Y-%m-%dT%H:%M:%fZ'),
                  strftime('%Y-%m-%dT%H:%M:%fZ'), strftime('%Y-%m-%dT%H:%M:%fZ'), json_object('i', n), 3, 300, '{}', '[]' FROM g`,
    );
  }
  // Vacuumed and checkpointed as a long-standing backlog would be: a million rows inserted seconds
  // before otherwise start an insert-triggered autovacuum of the whole table, or a checkpoint forced
  // by their ~400 MB of WAL, in the middle of the measured drain.
  await engine.dataSource.query(pg ? 'VACUUM ANALYZE tasks' : 'ANALYZE');
  // CHECKPOINT needs a superuser or pg_checkpoint (BENCH_PG_URL may name another role): without, the drain runs as before.
  if (pg) await engine.dataSource.query('CHECKPOINT').catch((error: Error) => process.stderr.write(`CHECKPOINT skipped: ${error.message}\n`));
}

async function drain(): Promise<void> {
  const env = { ...dbEnv(a.db), TASK_WORKER_ENABLED: 'false', TASK_MAX_IO_WORKERS: String(a.concurrency ?? 16) };
  const engine = await startEngine(env);
  const backlog = a.depth ?? a.n;
  if (a.depth) await prefill(engine, a.depth);
  else {
    const inputs = Array.from({ length: a.n }, (_, i) => ({ i }));
    for (let i = 0; i < inputs.length; i += 1000) await engine.tasks.submitMany('bench.noop', inputs.slice(i, i + 1000));
    await engine.dataSource.query(engine.dataSource.options.type === 'postgres' ? 'ANALYZE tasks' : 'ANALYZE');
  }
  const rssBefore = rssMb();
  // Drained means written: the clock stops when the n-th completion is acknowledged by the
  // database (the lifecycle event fires after the write), not when the n-th handler returns.
  let handlerSeconds = 0;
  probe.onCompleted = () => {
    if (probe.completed === a.n) handlerSeconds = (performance.now() - start) / 1000;
  };
  let written = 0;
  const done = new Promise<void>((resolve) => {
    engine.app.get(TaskEvents).onLifecycle((event) => {
      if (event.kind === 'finished' && event.status === 'completed' && ++written === a.n) resolve();
    });
  });
  const cpuBefore = process.cpuUsage();
  process.stderr.write('drain started\n'); // a mark for outside profilers
  const start = performance.now();
  await engine.dispatcher.start();
  await done;
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await engine.dispatcher.stop();
  const stored = await countCompleted(engine);
  if (stored < a.n) throw new Error(`only ${stored} of ${a.n} tasks are completed in the store`);
  const result: Record<string, unknown> = { jobs_per_s: Math.round(a.n / seconds), seconds, handler_seconds: handlerSeconds,
    // Share of the drain this process spent on a CPU (the rest it waited for the database).
    node_cpu_share: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100) / 100, node_sys_share: Math.round((cpu.system / 1e6 / seconds) * 100) / 100, rss_before_mb: rssBefore, rss_after_mb: rssMb(), ...rssBreakdownMb(), backlog };
  // What the process still holds once garbage is collected (RSS also counts heap V8 keeps reserved).
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    result.heap_used_after_gc_mb = Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
  }
  if (a.depth && a.db.url) result.claim_plan = await claimPlan(a.db.url);
  await engine.close();
  report(result);
}

/**
 * The claim's plan as the engine runs it, with the deep backlog still in the table: its generic plan
 * (EXPLAIN of the prepared statement, not executed) in a session with the engine's settings.
 */
async function claimPlan(url: string): Promise<string> {
  const client = new Client({ connectionString: url, options: ENGINE_SESSION_OPTIONS });
  await client.connect();
  try {
    await client.query(`PREPARE claim_plan (text[], int[], timestamptz, int, text, timestamptz, bigint) AS ${CLAIM}`);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (COSTS OFF) EXECUTE claim_plan ('{bench.noop,bench.latency}', '{100,100}', now(), 100, 'bench', now() + interval '30 s', 60000)`,
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.end();
  }
}

async function latency(): Promise<void> {
  const cross = a.mode === 'cross-process';
  const engine = await startEngine({ ...dbEnv(a.db) });
  const warmup = 20;
  const total = warmup + a.n;
  const done = new Promise<void>((resolve) => {
    probe.onCompleted = () => {
      if (probe.completed >= total) resolve();
    };
  });
  if (cross) {
    const child = spawn(process.execPath, [...process.execArgv, __filename, JSON.stringify({ ...a, op: 'latency-submitter' })], { stdio: ['ignore', 'inherit', 'inherit'] });
    await new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(null) : reject(new Error(`submitter exited ${code}`)))));
  } else {
    await submitOnGrid(engine, warmup);
  }
  await done;
  report({ ...latencySummary(probe.latencies), rss_after_mb: rssMb() });
  await engine.close();
}

/** 20 warm-up tasks, then `n` tasks about 20 ms apart, each carrying its submit time. */
async function submitOnGrid(engine: BenchEngine, warmup: number): Promise<void> {
  for (let i = 0; i < warmup; i++) {
    await engine.tasks.submit('bench.latency', { seq: -1, t0: wallClockMs() });
    await sleep(5);
  }
  await sleep(200);
  const start = performance.now();
  for (let seq = 0; seq < a.n; seq++) {
    const due = start + seq * 20;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    await engine.tasks.submit('bench.latency', { seq, t0: wallClockMs() });
  }
}

async function latencySubmitter(): Promise<void> {
  const engine = await startEngine({ ...dbEnv(a.db), TASK_WORKER_ENABLED: 'false' });
  await submitOnGrid(engine, 20);
  await engine.close();
}

async function cpu(): Promise<void> {
  const engine = await startEngine({ ...dbEnv(a.db), TASK_WORKER_ENABLED: 'false', TASK_MAX_CPU_WORKERS: '2', BENCH_CPU_HANDLER: 'true' });
  const inputs = Array.from({ length: a.n }, () => ({ n: 1000 }));
  for (let i = 0; i < inputs.length; i += 1000) await engine.tasks.submitMany('bench.cpu', inputs.slice(i, i + 1000));
  const start = performance.now();
  await engine.dispatcher.start();
  while ((await countCompleted(engine)) < a.n) await sleep(5);
  const ms = performance.now() - start;
  report({ wall_ms: Math.round(ms), us_per_task: Math.round((ms * 1000) / a.n) });
  await engine.close();
}

/** The worker executor alone (no database): the same function as raw Piscina, through our pool, context and error handling. */
async function cpuExecutor(): Promise<void> {
  const executor = new WorkerPoolExecutor({ size: 2, abortGraceMs: 1000 });
  await executor.start();
  const handler = { taskType: 'bench.cpu', executor: 'worker' as const, file: join(__dirname, '..', 'engine', 'cpu.worker'), providerName: 'bench' };
  const run = (i: number) => {
    const controller = new AbortController();
    return executor.execute(handler, { n: 1000 }, { taskId: String(i), taskType: 'bench.cpu', attempt: 1, signal: controller.signal, reportProgress: () => undefined });
  };
  await Promise.all(Array.from({ length: 50 }, (_, i) => run(i))); // warm-up, as for raw Piscina
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: a.n }, (_, i) => run(i)));
  const ms = performance.now() - start;
  if (results.some((r) => r.kind !== 'ok')) throw new Error('a CPU task failed');
  report({ wall_ms: Math.round(ms), us_per_task: Math.round((ms * 1000) / a.n) });
  await executor.close();
}

/** Memory of a fresh Node process (same flags as this one) once `requires` are loaded and garbage collected. */
function childMemory(requires: string[]): Record<string, number | undefined> {
  const script = `${requires.map((m) => `require(${JSON.stringify(m)});`).join('')}
    globalThis.gc?.();
    const { rssMb, rssBreakdownMb } = require(${JSON.stringify(join(__dirname, '..', 'lib', 'measure'))});
    process.stdout.write(JSON.stringify({ rss: rssMb(), ...rssBreakdownMb(), heap: Math.round(process.memoryUsage().heapUsed / 2 ** 20 * 10) / 10 }));`;
  const out = spawnSync(process.execPath, [...process.execArgv, '-e', script], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`memory probe failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as Record<string, number | undefined>;
}

/**
 * The memory floor under the drain's RSS: a bare Node process; one that has only imported the stack
 * the engine is built on (NestJS core, TypeORM's Nest module, class-validator), nothing started; and
 * this one with the engine started and idle (pg, Piscina loaded; worker threads started), before any task.
 */
async function floor(): Promise<void> {
  const bare = childMemory([]);
  const stack = childMemory(['reflect-metadata', '@nestjs/core', '@nestjs/typeorm', 'class-validator']);
  const engine = await startEngine({ ...dbEnv(a.db) });
  await sleep(1000);
  (globalThis as { gc?: () => void }).gc?.();
  report({
    rss_bare_node_mb: bare.rss,
    rss_stack_mb: stack.rss, rss_stack_file_mb: stack.rss_file_mb, stack_young_gen_mb: stack.young_gen_mb, stack_heap_mb: stack.heap,
    rss_engine_idle_mb: rssMb(), ...rssBreakdownMb(), heap_used_after_gc_mb: Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10,
  });
  await engine.close();
}

const ops: Record<Args['op'], () => Promise<void>> = { enqueue, drain, latency, 'latency-submitter': latencySubmitter, cpu, 'cpu-executor': cpuExecutor, floor };
ops[a.op]().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
