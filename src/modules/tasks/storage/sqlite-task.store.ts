import * as sqlite3 from 'sqlite3';
import type { DataSource, EntityManager } from 'typeorm';
import { TaskStoreClosedError } from '../errors/task-store-closed.error';
import { TaskStatus, TASK_PRIORITIES, TERMINAL_STATUSES } from '../task.constants';
import { fromStatusesSql, statusListSql } from '../task-state-machine';
import type {
  AttemptEnd,
  CancelOutcome,
  ClaimRequest,
  ClaimResult,
  Completion,
  PurgeRequest,
  HeldAttempt,
  InsertResult,
  LeaseRenewal,
  NewTaskRow,
  RecoveredTask,
  RetryOutcome,
  TaskStore,
} from './task-store.interface';
import { attemptEndsJson, completionsJson, idInputPairsJson, insertedResult, isUniform, newRowsArrayJson } from './batch-json';

const WAITING = fromStatusesSql('claim');
const TOP_LEVEL = TASK_PRIORITIES.length - 1;

const INSERT_COLUMNS = `task_id, task_type, status, priority, run_at, created_at, updated_at, input_data,
    max_retries, timeout_seconds, metadata, idempotency_key, attempt_history, attempt, started_at, locked_by, locked_until`;

/*
 * Batches arrive as one JSON parameter read with `jsonb_each`, which hands each
 * element over in SQLite's binary JSON form: taking a dozen fields out of it is a
 * lookup each, where `json_each` gives text that every `->>` parses again
 * (measured, 1,000 rows of 12 fields into the tasks table: 12.9 → 8.2 ms).
 */

/**
 * A row with `locked_by` is taken at submit by the local dispatcher: written running, attempt 1.
 * ?1 is a JSON array of arrays (see `newRowsArrayJson` for the positions).
 */
const INSERT_BODY = `INSERT INTO tasks (${INSERT_COLUMNS})
  SELECT value->>0, value->>1, CASE WHEN value->>10 IS NULL THEN 'pending' ELSE 'running' END,
         value->>2, value->>3, value->>4, value->>4, value->5, value->>6, value->>7, value->8,
         value->>9, '[]', CASE WHEN value->>10 IS NULL THEN 0 ELSE 1 END,
         CASE WHEN value->>10 IS NULL THEN NULL ELSE value->>4 END, value->>10, value->>11
  FROM jsonb_each(?1) WHERE true`;
const INSERT = INSERT_BODY;
/**
 * Rows that differ only in id and input (see `isUniform`): ?1 a JSON array of
 * [id, input] pairs, the shared values bound once (?2 type, ?3 priority, ?4
 * run_at, ?5 created_at, ?6 max_retries, ?7 timeout, ?8 metadata).
 */
const INSERT_UNIFORM = `INSERT INTO tasks (${INSERT_COLUMNS})
  SELECT value->>0, ?2, 'pending', ?3, ?4, ?5, ?5, value->1, ?6, ?7, ?8, NULL, '[]', 0, NULL, NULL, NULL
  FROM jsonb_each(?1) WHERE true`;
const INSERT_KEYED = `${INSERT_BODY} ON CONFLICT DO NOTHING RETURNING task_id`;
const SELECT_BY_KEYS = `
  SELECT t.task_id, t.task_type, t.idempotency_key, t.status FROM tasks t
  JOIN (SELECT value->>'$.type' AS type, value->>'$.key' AS key FROM jsonb_each(?1)) k
    ON t.task_type = k.type AND t.idempotency_key = k.key`;

/**
 * The claim, built for a given number of task types (see PostgresTaskStore for
 * the ranking it implements). SQLite is the single-node store, so there is no
 * row locking: a claim is one UPDATE statement, and SQLite runs one writer at a
 * time, which is what serialises claims (and makes the count behind a
 * per-type concurrency limit exact). Parameters: ?1 now, ?2 aging ms, ?3 limit,
 * ?4 worker id, ?5 lease end, then per type from ?6: (type, free slots) or,
 * when `capped` (some type has a concurrency limit), (type, free slots, limit).
 * Without limits the per-type window (a sort of its own) is left out.
 */
function claimSql(typeCount: number, capped: boolean): string {
  const width = capped ? 3 : 2;
  const branches: string[] = [];
  for (let i = 0; i < typeCount; i++) {
    const typeParam = 6 + width * i;
    const free = `?${7 + width * i}`;
    const limit = `?${8 + width * i}`;
    const cap = capped
      ? `(CASE WHEN ${limit} IS NULL THEN ${free} ELSE MAX(0, MIN(${free}, ${limit} -
      (SELECT count(*) FROM tasks r WHERE r.status = 'running' AND r.task_type = ?${typeParam}))) END)`
      : free;
    TASK_PRIORITIES.forEach((priority, index) => {
      const level = TASK_PRIORITIES.length - 1 - index;
      branches.push(`SELECT * FROM (
        SELECT task_id, task_type, run_at, ${capped ? `${cap} AS cap,` : ''}
               CASE WHEN ?2 > 0 THEN MIN(${TOP_LEVEL}, ${level} + CAST((julianday(?1) - julianday(run_at)) * 86400000.0 / ?2 AS INTEGER))
                    ELSE ${level} END AS eff
        FROM tasks
        WHERE status IN ${WAITING} AND task_type = ?${typeParam} AND priority = ${priority} AND run_at <= ?1
        ORDER BY run_at, task_id LIMIT ${cap})`);
    });
  }
  const heads = branches.join('\n    UNION ALL ');
  const ranked = capped
    ? `SELECT task_id, run_at, eff FROM (
    SELECT task_id, run_at, eff, cap,
           row_number() OVER (PARTITION BY task_type ORDER BY eff DESC, run_at, task_id) AS type_rank
    FROM (${heads})
  ) WHERE type_rank <= cap`
    : `SELECT task_id, run_at, eff FROM (${heads})`;
  return `
UPDATE tasks
SET status = 'running', attempt = attempt + 1, started_at = ?1, updated_at = ?1,
    locked_by = ?4, locked_until = ?5, progress = 0, progress_message = NULL
WHERE status IN ${WAITING} AND task_id IN (
  SELECT task_id FROM (${ranked})
  ORDER BY eff DESC, run_at, task_id LIMIT ?3)
RETURNING task_id, task_type, priority, attempt, retry_count, max_retries, timeout_seconds, run_at, input_data`;
}

const claimStatements = new Map<string, string>();
function claimStatement(typeCount: number, capped: boolean): string {
  const key = `${typeCount}:${capped}`;
  let sql = claimStatements.get(key);
  if (!sql) claimStatements.set(key, (sql = claimSql(typeCount, capped)));
  return sql;
}

const historyEntry = (outcome: string, error: string, endedAt: string) =>
  `json_insert(tasks.attempt_history, '$[#]', json_object('attempt', tasks.attempt, 'started_at', tasks.started_at,
     'ended_at', ${endedAt}, 'outcome', ${outcome}, 'worker', tasks.locked_by, 'error', ${error}))`;

/*
 * Outcome writes look rows up by primary key, one per JSON element. `+tasks.status`
 * keeps SQLite's planner off the partial lease index: statistics gathered while
 * nothing ran call that index empty, and scanning it with the JSON array as the
 * inner loop made each batch write quadratic (measured: 1.7 → 4.1 ms per 50).
 */
/** As on PostgreSQL, a completed row records its last attempt itself (locked_by kept as the worker); the history is not appended. */
const COMPLETE = `
UPDATE tasks
SET status = 'completed', result_data = u.result, completed_at = u.ended_at, updated_at = u.ended_at,
    progress = 100, progress_message = COALESCE(u.message, tasks.progress_message), locked_until = NULL
FROM (SELECT value->>'$.id' AS id, value->>'$.attempt' AS attempt, NULLIF(value->'$.result', 'null') AS result,
             value->>'$.ended_at' AS ended_at, value->>'$.message' AS message FROM jsonb_each(?1)) AS u
WHERE tasks.task_id = u.id AND tasks.attempt = u.attempt AND tasks.locked_by = ?2 AND +tasks.status = 'running'
RETURNING task_id`;

/**
 * Ends attempts that did not complete. One that would put the task back in the queue (handed
 * back, or failed with retries left) after a cancel was requested ends it cancelled instead: the
 * request reached the row while the holder still had it, and the task must not run again.
 */
const END_ATTEMPTS = `
UPDATE tasks
SET status = CASE WHEN (u.status IN ('pending', 'retrying') AND tasks.cancel_requested_at IS NOT NULL) THEN 'cancelled' ELSE u.status END,
    error_info = COALESCE(u.error, tasks.error_info),
    retry_count = tasks.retry_count + CASE WHEN u.status = 'retrying' AND tasks.cancel_requested_at IS NULL THEN 1 ELSE 0 END,
    run_at = COALESCE(u.retry_at, tasks.run_at),
    completed_at = CASE WHEN u.status IN ${statusListSql(['failed', 'timeout', 'cancelled'])} OR (u.status IN ('pending', 'retrying') AND tasks.cancel_requested_at IS NOT NULL) THEN u.ended_at ELSE NULL END,
    started_at = CASE WHEN u.status = 'pending' THEN NULL ELSE tasks.started_at END,
    updated_at = u.ended_at, locked_by = NULL, locked_until = NULL,
    attempt_history = ${historyEntry(
      'u.outcome',
      `CASE WHEN u.error IS NULL THEN NULL ELSE json_object('name', u.error->>'$.name', 'message', u.error->>'$.message') END`,
      'u.ended_at',
    )}
FROM (SELECT value->>'$.id' AS id, value->>'$.attempt' AS attempt, value->>'$.status' AS status,
             value->>'$.outcome' AS outcome, value->>'$.ended_at' AS ended_at,
             NULLIF(value->'$.error', 'null') AS error, value->>'$.retry_at' AS retry_at
      FROM jsonb_each(?1)) AS u
WHERE tasks.task_id = u.id AND tasks.attempt = u.attempt AND tasks.locked_by = ?2 AND +tasks.status = 'running'
RETURNING task_id, status`;

const RENEW = `
UPDATE tasks SET locked_until = ?2
FROM (SELECT value->>'$.id' AS id, value->>'$.attempt' AS attempt FROM jsonb_each(?1)) AS u
WHERE tasks.task_id = u.id AND tasks.attempt = u.attempt AND tasks.locked_by = ?3 AND +tasks.status = 'running'
RETURNING task_id, cancel_requested_at IS NOT NULL AS cancel_requested`;

const PROGRESS = `
UPDATE tasks SET progress = ?4, progress_message = ?5, updated_at = ?6
WHERE task_id = ?1 AND attempt = ?2 AND locked_by = ?3 AND status = 'running'`;

const CANCEL = `
UPDATE tasks
SET status = CASE WHEN status IN ${fromStatusesSql('cancelWaiting')} THEN 'cancelled' ELSE status END,
    completed_at = CASE WHEN status IN ${fromStatusesSql('cancelWaiting')} THEN ?2 ELSE completed_at END,
    cancel_requested_at = COALESCE(cancel_requested_at, ?2), updated_at = ?2
WHERE task_id = ?1 AND status IN ${statusListSql(['pending', 'retrying', 'running'])}
RETURNING status, locked_by`;

const RETRY = `
UPDATE tasks
SET status = 'pending', run_at = ?2, updated_at = ?2, completed_at = NULL, started_at = NULL,
    cancel_requested_at = NULL, retry_count = 0, progress = 0, progress_message = NULL
WHERE task_id = ?1 AND status IN ${fromStatusesSql('retry')}
RETURNING status`;

const STATUS_OF = `SELECT status FROM tasks WHERE task_id = ?1`;

const LOST = `CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' WHEN retry_count < max_retries THEN 'retrying' ELSE 'failed' END`;
const RECOVER = `
UPDATE tasks
SET status = ${LOST},
    retry_count = retry_count + CASE WHEN ${LOST} = 'retrying' THEN 1 ELSE 0 END,
    run_at = CASE WHEN ${LOST} = 'retrying' THEN ?1 ELSE run_at END,
    completed_at = CASE WHEN ${LOST} = 'retrying' THEN NULL ELSE ?1 END,
    updated_at = ?1, locked_by = NULL, locked_until = NULL,
    error_info = CASE WHEN ${LOST} = 'cancelled' THEN error_info ELSE json_object(
      'name', 'WorkerLostError',
      'message', 'The worker ' || COALESCE(locked_by, '?') || ' stopped renewing the lease of attempt ' || attempt || ' (process crashed or lost the database); the attempt was abandoned.',
      'retryable', json('true'), 'attempt', attempt, 'occurred_at', ?1) END,
    attempt_history = ${historyEntry(`'lost'`, `json_object('name', 'WorkerLostError', 'message', 'lease expired')`, '?1')}
WHERE task_id IN (SELECT task_id FROM tasks WHERE status = 'running' AND locked_until < ?1 ORDER BY locked_until LIMIT ?2)
RETURNING task_id, task_type, status`;

/**
 * One batch of the retention purge (see PostgresTaskStore): ?1 cut-off, ?2 batch
 * size. The index's own predicate is repeated word for word so that SQLite
 * can prove the partial index `tasks_finished_idx` applies.
 */
const purgeSql = (statuses: readonly string[]) => `
DELETE FROM tasks WHERE task_id IN (
  SELECT task_id FROM tasks
  WHERE status IN ${statusListSql(TERMINAL_STATUSES)} AND status IN ${statusListSql(statuses as TaskStatus[])} AND completed_at < ?1
  ORDER BY completed_at LIMIT ?2)`;

function oldestWaitingSql(typeCount: number): string {
  const branches: string[] = [];
  for (let i = 0; i < typeCount; i++) {
    for (const priority of TASK_PRIORITIES) {
      branches.push(`SELECT * FROM (SELECT run_at FROM tasks WHERE status IN ${WAITING} AND task_type = ?${i + 2}
        AND priority = ${priority} AND run_at <= ?1 ORDER BY run_at, task_id LIMIT 1)`);
    }
  }
  return `SELECT min(run_at) AS oldest FROM (${branches.join(' UNION ALL ')})`;
}

/** The oldest SQLite the store runs on: its batch statements read their JSON parameter with `jsonb_each` (3.45). */
export const MIN_SQLITE_VERSION = [3, 45, 0] as const;

/** Whether a `sqlite_version()` string is at least `MIN_SQLITE_VERSION`. */
export function meetsMinimumSqlite(version: string): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < MIN_SQLITE_VERSION.length; i++) {
    const part = parts[i] ?? 0;
    if (part !== MIN_SQLITE_VERSION[i]) return part > MIN_SQLITE_VERSION[i];
  }
  return true;
}

interface ClaimRow {
  task_id: string;
  task_type: string;
  priority: number;
  attempt: number;
  retry_count: number;
  max_retries: number;
  timeout_seconds: number;
  run_at: string;
  input_data: string | null;
}

/**
 * SQLite storage, the embedded single-node default. It opens its own connection
 * to the database file: TypeORM's SQLite driver shares one connection between
 * all callers, so a caller's open transaction would otherwise swallow (and could
 * roll back) the dispatcher's claims. Two connections on one WAL file behave as
 * SQLite intends: readers never block, writers queue on the busy timeout.
 * Times are stored as ISO-8601 UTC strings, which sort as they compare.
 */
export class SqliteTaskStore implements TaskStore {
  readonly dialect = 'sqlite';
  private db!: sqlite3.Database;
  /** Prepared statements by SQL, prepared once per connection. */
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();
  private closed = false;

  constructor(private readonly dataSource: DataSource, private readonly busyTimeoutMs = 10_000) {}

  async init(): Promise<void> {
    const file = (this.dataSource.options as { database: string }).database;
    if (!file || file === ':memory:') {
      throw new Error('The SQLite task store needs a database file (SQLITE_PATH); an in-memory database cannot be shared between connections.');
    }
    this.db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(file, sqlite3.OPEN_READWRITE | sqlite3.OPEN_FULLMUTEX, (err) => (err ? reject(err) : resolve(db)));
    });
    const version = await new Promise<string>((resolve, reject) =>
      this.db.get('SELECT sqlite_version() AS version', (err: Error | null, row: { version: string }) => (err ? reject(err) : resolve(row.version))),
    );
    if (!meetsMinimumSqlite(version)) {
      await new Promise<void>((resolve) => this.db.close(() => resolve()));
      throw new Error(
        `SQLite ${version} is too old for the task store: it needs ${MIN_SQLITE_VERSION.join('.')} or newer (jsonb_each). ` +
          'The sqlite3 package bundles a recent SQLite unless it was built against the system library (--sqlite).',
      );
    }
    await this.exec(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`);
    await this.exec('PRAGMA journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a process crash; only an OS crash or
    // power loss can drop the last commits (the file stays consistent).
    await this.exec('PRAGMA synchronous = NORMAL');
  }

  /**
   * Closes the connection. Calls that arrive afterwards (a request still in
   * flight while the process shuts down) are refused with `TaskStoreClosedError`:
   * the driver would otherwise emit the error on the connection, where nothing
   * awaits it, and bring the process down.
   */
  async close(): Promise<void> {
    this.closed = true;
    const statements = await Promise.allSettled(this.statements.values());
    this.statements.clear();
    for (const s of statements) {
      if (s.status === 'fulfilled') await new Promise<void>((resolve) => s.value.finalize(() => resolve()));
    }
    if (this.db) await new Promise<void>((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }

  private exec(sql: string): Promise<void> {
    if (this.closed) return Promise.reject(new TaskStoreClosedError());
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
  }

  /** The prepared statement for `sql`; a failed prepare rejects (with a callback the driver reports it there, not as an event). */
  private statement(sql: string): Promise<sqlite3.Statement> {
    if (this.closed) return Promise.reject(new TaskStoreClosedError());
    let statement = this.statements.get(sql);
    if (!statement) {
      const preparing = new Promise<sqlite3.Statement>((resolve, reject) => {
        const prepared = this.db.prepare(sql, (err: Error | null) => (err ? reject(err) : resolve(prepared)));
      });
      preparing.catch(() => {
        if (this.statements.get(sql) === preparing) this.statements.delete(sql);
      });
      this.statements.set(sql, preparing);
      statement = preparing;
    }
    return statement;
  }

  private async all<R>(sql: string, params: unknown[]): Promise<R[]> {
    const statement = await this.statement(sql);
    return new Promise((resolve, reject) => statement.all(params, (err: Error | null, rows: R[]) => (err ? reject(err) : resolve(rows))));
  }

  private async run(sql: string, params: unknown[]): Promise<number> {
    const statement = await this.statement(sql);
    return new Promise((resolve, reject) =>
      statement.run(params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve(this.changes);
      }),
    );
  }

  async insert(rows: readonly NewTaskRow[]): Promise<InsertResult[]> {
    return this.insertVia((sql, params) => this.all(sql, params), rows);
  }

  async insertWith(manager: EntityManager, rows: readonly NewTaskRow[]): Promise<InsertResult[]> {
    return this.insertVia((sql, params) => manager.query(sql, params), rows);
  }

  private async insertVia(exec: (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>, rows: readonly NewTaskRow[]): Promise<InsertResult[]> {
    if (rows.length > 1 && isUniform(rows)) {
      const [a] = rows;
      await exec(INSERT_UNIFORM, [idInputPairsJson(rows), a.taskType, a.priority, a.runAt.toISOString(), a.createdAt.toISOString(), a.maxRetries, a.timeoutSeconds, a.metadataJson]);
      return rows.map(insertedResult);
    }
    const json = newRowsArrayJson(rows);
    if (!rows.some((r) => r.idempotencyKey !== null)) {
      await exec(INSERT, [json]);
      return rows.map(insertedResult);
    }
    const inserted = new Set((await exec(INSERT_KEYED, [json])).map((r) => r.task_id as string));
    const missing = rows.filter((r) => !inserted.has(r.taskId));
    const existing = new Map<string, { task_id: string; status: TaskStatus }>();
    if (missing.length > 0) {
      const keys = JSON.stringify(missing.map((r) => ({ type: r.taskType, key: r.idempotencyKey })));
      for (const f of await exec(SELECT_BY_KEYS, [keys])) {
        existing.set(`${f.task_type}\u0000${f.idempotency_key}`, f as unknown as { task_id: string; status: TaskStatus });
      }
    }
    return rows.map((r) => {
      if (inserted.has(r.taskId)) return insertedResult(r);
      const hit = existing.get(`${r.taskType}\u0000${r.idempotencyKey}`);
      if (!hit) throw new Error(`Task insert for idempotency key "${r.idempotencyKey}" neither inserted nor found an existing row`);
      return { taskId: hit.task_id, created: false, status: hit.status };
    });
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const now = request.now.toISOString();
    const params: unknown[] = [now, request.agingMs, request.limit, request.workerId, request.leaseUntil.toISOString()];
    const capped = request.globalLimits.some((limit) => limit !== null);
    request.types.forEach((type, i) => (capped ? params.push(type, request.perTypeLimits[i], request.globalLimits[i]) : params.push(type, request.perTypeLimits[i])));
    const rows = await this.all<ClaimRow>(claimStatement(request.types.length, capped), params);
    const tasks = rows.map((r) => ({
      taskId: r.task_id,
      taskType: r.task_type,
      priority: r.priority,
      attempt: r.attempt,
      retryCount: r.retry_count,
      maxRetries: r.max_retries,
      timeoutSeconds: r.timeout_seconds,
      runAt: new Date(r.run_at),
      startedAt: request.now,
      input: r.input_data === null ? null : JSON.parse(r.input_data),
    }));
    return { tasks };
  }

  async complete(completions: readonly Completion[], workerId: string): Promise<Set<string>> {
    const json = completionsJson(completions);
    const rows = await this.all<{ task_id: string }>(COMPLETE, [json, workerId]);
    return new Set(rows.map((r) => r.task_id));
  }

  async endAttempts(ends: readonly AttemptEnd[], workerId: string): Promise<Map<string, TaskStatus>> {
    const json = attemptEndsJson(ends);
    const rows = await this.all<{ task_id: string; status: TaskStatus }>(END_ATTEMPTS, [json, workerId]);
    return new Map(rows.map((r) => [r.task_id, r.status]));
  }

  async renewLeases(held: readonly HeldAttempt[], workerId: string, until: Date): Promise<LeaseRenewal> {
    const json = JSON.stringify(held.map((h) => ({ id: h.taskId, attempt: h.attempt })));
    const rows = await this.all<{ task_id: string; cancel_requested: number }>(RENEW, [json, until.toISOString(), workerId]);
    return {
      renewed: new Set(rows.map((r) => r.task_id)),
      cancelRequested: new Set(rows.filter((r) => r.cancel_requested === 1).map((r) => r.task_id)),
    };
  }

  async saveProgress(held: HeldAttempt, workerId: string, percent: number, message: string | null, now: Date): Promise<boolean> {
    return (await this.run(PROGRESS, [held.taskId, held.attempt, workerId, percent, message, now.toISOString()])) > 0;
  }

  async cancel(taskId: string, now: Date): Promise<CancelOutcome> {
    const rows = await this.all<{ status: TaskStatus; locked_by: string | null }>(CANCEL, [taskId, now.toISOString()]);
    if (rows.length > 0) {
      return rows[0].status === 'cancelled' ? { kind: 'cancelled' } : { kind: 'requested', lockedBy: rows[0].locked_by };
    }
    return this.conflictOrMissing(taskId);
  }

  async retry(taskId: string, now: Date): Promise<RetryOutcome> {
    const rows = await this.all<{ status: TaskStatus }>(RETRY, [taskId, now.toISOString()]);
    if (rows.length > 0) return { kind: 'requeued' };
    return this.conflictOrMissing(taskId);
  }

  private async conflictOrMissing(taskId: string): Promise<{ kind: 'conflict'; status: TaskStatus } | { kind: 'not_found' }> {
    const rows = await this.all<{ status: TaskStatus }>(STATUS_OF, [taskId]);
    return rows.length > 0 ? { kind: 'conflict', status: rows[0].status } : { kind: 'not_found' };
  }

  async recoverExpired(now: Date, limit: number): Promise<RecoveredTask[]> {
    const rows = await this.all<{ task_id: string; task_type: string; status: TaskStatus }>(RECOVER, [now.toISOString(), limit]);
    return rows.map((r) => ({ taskId: r.task_id, taskType: r.task_type, status: r.status }));
  }

  async purgeFinished(request: PurgeRequest): Promise<number> {
    return this.run(purgeSql(request.statuses), [request.finishedBefore.toISOString(), request.limit]);
  }

  async withPurgeLock<T>(work: () => Promise<T>): Promise<T | undefined> {
    // Single node: nobody else purges this file.
    return work();
  }

  async oldestWaiting(types: readonly string[], now: Date): Promise<Date | null> {
    if (types.length === 0) return null;
    const rows = await this.all<{ oldest: string | null }>(oldestWaitingSql(types.length), [now.toISOString(), ...types]);
    return rows[0]?.oldest ? new Date(rows[0].oldest) : null;
  }
}
