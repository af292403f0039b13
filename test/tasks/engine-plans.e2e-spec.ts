import { writeFileSync } from 'node:fs';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Client, type Pool, type PoolClient, type QueryConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { PostgresTaskStore } from '../../src/modules/tasks/storage/postgres-task.store';
import type { NewTaskRow } from '../../src/modules/tasks/storage/task-store.interface';
import { TestTasksModule } from '../fixtures/test-tasks.module';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';

/** One node of an `EXPLAIN (FORMAT JSON)` plan. */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/** Indexes whose scans find rows by key: they must be given the keys (an index condition). */
const KEY_INDEXES = new Set(['tasks_pkey', 'tasks_idempotency_idx']);
/** Partial indexes read in order and stopped by a LIMIT (claim heads, the purge's oldest rows). */
const ORDERED_INDEXES = new Set(['tasks_claim_idx', 'tasks_finished_idx']);

/**
 * What is wrong with a plan node, if it reads `tasks` in a way whose cost grows with the table:
 * a sequential scan, a key index read without its keys, or a bitmap over a whole range of a
 * partial index (every entry is read before the first row comes out, whatever the LIMIT).
 */
function unboundedRead(statement: string, node: PlanNode): string | null {
  const index = node['Index Name'];
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'tasks') return 'Seq Scan on tasks';
  if (index && KEY_INDEXES.has(index) && !node['Index Cond']) return `${node['Node Type']} of all of ${index}`;
  if (index && ORDERED_INDEXES.has(index) && node['Node Type'] === 'Bitmap Index Scan') return `Bitmap Index Scan of ${index}`;
  // tasks_lease_idx (task_type, locked_until; running rows) is read by type: a capped claim counts what
  // runs of its type. The one whole read by design is lease recovery (every heartbeat interval, expired
  // leases of any type).
  if (index === 'tasks_lease_idx' && !/\btask_type\b/.test(String(node['Index Cond'] ?? '')) && statement !== 'tasks_recover') {
    return `${node['Node Type']} of ${index} without its type`;
  }
  return null;
}

/**
 * The engine's sessions keep one generic plan per statement for as long as the connection lives,
 * and it is often made at start-up or on a quiet queue, where reading a few pages whole looks
 * cheapest; that plan then reads the whole backlog on every call once one arrives (see
 * ENGINE_SESSION_OPTIONS). The claim has its own test in task-engine.e2e-spec; this one runs every
 * statement of the engine that reads `tasks`, through the store itself, on a near-empty table, and
 * records the plans PostgreSQL actually used (auto_explain, sent back to the session as NOTICEs).
 */
(TEST_DIALECT === 'postgres' ? describe : describe.skip)('plans of the engine statements (PostgreSQL only: SQLite plans each statement as it runs)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let store: PostgresTaskStore;
  /** Statement name → the plans PostgreSQL ran it with. */
  const plans = new Map<string, PlanNode[]>();
  const names = new Map<string, string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    // The app only for its migrations and DataSource: its dispatcher stays off, the store under test is our own.
    t = await createTestApp({ env: { ...db.env, TASK_WORKER_ENABLED: 'false' }, imports: [TestTasksModule] });
    const name = new URL(db.env.DATABASE_URL).pathname.slice(1);
    const admin = new Client({ connectionString: db.env.DATABASE_URL });
    await admin.connect();
    // For sessions opened from now on: every statement's plan, as JSON, sent to the client.
    await admin.query(`ALTER DATABASE ${name} SET session_preload_libraries = 'auto_explain'`);
    await admin.query(`ALTER DATABASE ${name} SET auto_explain.log_min_duration = 0`);
    await admin.query(`ALTER DATABASE ${name} SET auto_explain.log_format = 'json'`);
    await admin.query(`ALTER DATABASE ${name} SET auto_explain.log_level = 'notice'`);
    await admin.end();

    store = new PostgresTaskStore(t.app.get<DataSource>(getDataSourceToken()));
    await store.init();
    const pool = (store as unknown as { pool: Pool }).pool;
    pool.on('connect', (client: PoolClient) => {
      // Names of the statements this connection runs, by text, to tell which one a plan is of.
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: typeof query }).query = (...args) => {
        const config = args[0] as QueryConfig | string;
        if (typeof config === 'object') names.set(config.text, config.name ?? config.text);
        return query(...args);
      };
      client.on('notice', (notice) => {
        const json = /plan:\s*(\{[\s\S]*\})\s*$/.exec(notice.message ?? '')?.[1];
        if (!json) return;
        const explained = JSON.parse(json) as { 'Query Text': string; Plan: PlanNode };
        const name = names.get(explained['Query Text']) ?? explained['Query Text'];
        plans.set(name, [...(plans.get(name) ?? []), explained.Plan]);
      });
    });
  });

  afterAll(async () => {
    await store?.close();
    await t?.close();
    await db?.drop();
  });

  it('reads tasks by key, by address or in index order under a LIMIT, never a whole table or index, whatever the depth', async () => {
    const now = new Date();
    const later = new Date(now.getTime() + 60_000);
    const row = (key: string | null = null): NewTaskRow => ({
      taskId: uuidv7(),
      taskType: 'test.echo',
      priority: 5,
      runAt: now,
      createdAt: now,
      inputJson: '{}',
      maxRetries: 3,
      timeoutSeconds: 60,
      metadataJson: '{}',
      idempotencyKey: key,
    });
    const claimed = async (limit: number, globalLimit: number | null = null) =>
      (await store.claim({ types: ['test.echo'], perTypeLimits: [limit], globalLimits: [globalLimit], limit, now, leaseUntil: later, workerId: 'w', agingMs: 0 })).tasks;

    // Submits, one of them twice under the same idempotency key (insert, then the lookup of the existing row).
    await store.insert(Array.from({ length: 8 }, () => row()));
    expect((await store.insert([row('k1')]))[0].created).toBe(true);
    expect((await store.insert([row('k1'), row()]))[0].created).toBe(false);

    // Claims, with and without a cluster-wide limit, and every outcome write on what they took.
    const [a, b, c, d, e] = await claimed(5);
    expect(e).toBeDefined();
    expect(await claimed(1, 10)).toHaveLength(1);
    const held = (task: { taskId: string; attempt: number }) => ({ taskId: task.taskId, attempt: task.attempt });
    expect(await store.complete([{ ...held(a), taskType: a.taskType, startedAt: now, endedAt: now, resultJson: 'null', progressMessage: null }], 'w')).toEqual(new Set([a.taskId]));
    const end = (task: typeof b, status: 'failed' | 'retrying') => ({
      ...held(task),
      taskType: task.taskType,
      startedAt: now,
      endedAt: now,
      status,
      outcome: 'failed' as const,
      errorInfo: { name: 'Error', message: 'boom', retryable: status === 'retrying', attempt: task.attempt, occurred_at: now.toISOString() },
      retryAt: status === 'retrying' ? later : undefined,
    });
    expect(await store.endAttempts([end(b, 'failed'), end(c, 'retrying')], 'w')).toEqual(new Map([[b.taskId, 'failed'], [c.taskId, 'retrying']]));
    expect((await store.renewLeases([held(d)], 'w', later)).renewed).toEqual(new Set([d.taskId]));
    expect(await store.saveProgress(held(d), 'w', 50, 'half', now)).toBe(true);

    // Requests by id: retry a failed task, cancel a running and a finished one (the status lookup).
    expect(await store.retry(b.taskId, now)).toEqual({ kind: 'requeued' });
    expect(await store.cancel(d.taskId, now)).toEqual({ kind: 'requested', lockedBy: 'w' });
    expect(await store.cancel(a.taskId, now)).toEqual({ kind: 'conflict', status: 'completed' });

    // Housekeeping: expired leases, the scheduler's next due time, the retention purge.
    await t.app.get<DataSource>(getDataSourceToken()).query(`UPDATE tasks SET locked_until = now() - interval '1 minute' WHERE task_id = $1`, [e.taskId]);
    expect((await store.recoverExpired(later, 100)).map((r) => r.taskId)).toEqual([e.taskId]);
    expect(await store.oldestWaiting(['test.echo'], later)).toBeInstanceOf(Date);
    expect(await store.withPurgeLock(() => store.purgeFinished({ statuses: ['completed'], finishedBefore: later, limit: 100 }))).toBe(1);

    const reading = [
      'tasks_by_keys',
      'tasks_claim',
      'tasks_claim_capped',
      'tasks_complete',
      'tasks_end_attempts',
      'tasks_renew',
      'tasks_progress',
      'tasks_retry',
      'tasks_cancel',
      'tasks_status_of',
      'tasks_recover',
      'tasks_oldest_waiting',
      'tasks_purge_completed',
    ];
    // Every one of them ran, and was planned, in the engine's sessions.
    expect(reading.filter((name) => !plans.has(name))).toEqual([]);
    // PRINT_PLANS=<file>: every plan seen, as JSON, to look at when this fails.
    if (process.env.PRINT_PLANS) writeFileSync(process.env.PRINT_PLANS, JSON.stringify(Object.fromEntries(plans)));
    const offending: string[] = [];
    for (const [name, used] of plans) {
      for (const node of used.flatMap(nodes)) {
        const problem = unboundedRead(name, node);
        if (problem) offending.push(`${name}: ${problem}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
