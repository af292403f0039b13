import { Logger } from '@nestjs/common';
import { Pool, type PoolConfig, type QueryConfig, type QueryResultRow } from 'pg';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { DataSource, EntityManager } from 'typeorm';
import { TaskStatus, TASK_PRIORITIES, TERMINAL_STATUSES } from '../task.constants';
import { TaskStoreClosedError } from '../errors/task-store-closed.error';
import { fromStatusesSql, statusListSql } from '../task-state-machine';
import type {
  AttemptEnd,
  CancelOutcome,
  ClaimConnection,
  ClaimedTask,
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
import { attemptEndsJson, completionsJson, insertedResult, isUniform, newRowsJson } from './batch-json';

const WAITING = fromStatusesSql('claim');
const PRIORITIES = `'{${TASK_PRIORITIES.join(',')}}'::smallint[]`;
const LEVELS = `'{${TASK_PRIORITIES.map((_, i) => TASK_PRIORITIES.length - 1 - i).join(',')}}'::int[]`;
const TOP_LEVEL = TASK_PRIORITIES.length - 1;

/**
 * One batch of the retention purge: the oldest finished rows of the given
 * statuses, found through `tasks_finished_idx`, deleted by primary key. Each
 * batch is its own short transaction, so the table is never locked; large
 * `result_data` lives out of line in the TOAST table and goes with its row.
 */
const purgeSql = (statuses: readonly string[]) => `
DELETE FROM tasks WHERE task_id IN (
  SELECT task_id FROM tasks
  WHERE status IN ${statusListSql(TERMINAL_STATUSES)} AND status IN ${statusListSql(statuses as TaskStatus[])} AND completed_at < $1
  ORDER BY completed_at LIMIT $2)`;

/** Advisory lock key held by the instance that is purging ('purge' in ASCII). */
const PURGE_LOCK_KEY = 0x7075726765;

/** Advisory lock key serialising claims of types with a cluster-wide concurrency limit ('tasks' in ASCII). */
const CLAIM_LOCK_KEY = 0x7461736b73;

const INSERT_COLUMNS = `task_id, task_type, status, priority, run_at, created_at, updated_at, input_data, max_retries, timeout_seconds, metadata,
  idempotency_key, attempt, started_at, locked_by, locked_until`;
/** A row with `locked_by` is taken at submit by the local dispatcher: written running, attempt 1. */
const INSERT_SELECT = `
  SELECT r.id, r.type, CASE WHEN r.locked_by IS NULL THEN 'pending' ELSE 'running' END, r.priority, r.run_at, r.created_at, r.created_at,
         r.input, r.max_retries, r.timeout, r.metadata, r.key,
         CASE WHEN r.locked_by IS NULL THEN 0 ELSE 1 END, CASE WHEN r.locked_by IS NULL THEN NULL ELSE r.created_at END, r.locked_by, r.locked_until
  FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, type text, priority smallint, run_at timestamptz, created_at timestamptz,
                                          input jsonb, max_retries int, timeout int, metadata jsonb, key text,
                                          locked_by text, locked_until timestamptz)`;

/** Plain insert: no idempotency keys in the batch, so no conflict handling and no rows back. */
const INSERT = `INSERT INTO tasks (${INSERT_COLUMNS}) ${INSERT_SELECT}`;
/** One row (the usual lone submit), bound as plain parameters: no JSON to build and take apart. */
const INSERT_ONE = `INSERT INTO tasks (${INSERT_COLUMNS})
  VALUES ($1, $2, CASE WHEN $10::text IS NULL THEN 'pending' ELSE 'running' END, $3, $4, $5, $5, $6, $7, $8, $9, NULL,
          CASE WHEN $10::text IS NULL THEN 0 ELSE 1 END, CASE WHEN $10::text IS NULL THEN NULL ELSE $5::timestamptz END, $10, $11)`;
const INSERT_ONE_NOTIFY = `WITH ins AS (${INSERT_ONE} RETURNING 1) SELECT pg_notify($12, $13) FROM ins`;
/**
 * Rows that differ only in id and input (a `submitMany`): the ids as an array, the inputs
 * as one JSON array (already JSON text: joined, not escaped element by element into an
 * array literal), zipped in order by ROWS FROM; the shared values bound once.
 */
const INSERT_UNIFORM = `INSERT INTO tasks (${INSERT_COLUMNS})
  SELECT u.id, $3, 'pending', $4, $5, $6, $6, u.input, $7, $8, $9, NULL, 0, NULL, NULL, NULL
  FROM ROWS FROM (unnest($1::uuid[]), jsonb_array_elements($2::jsonb)) AS u(id, input)`;
const INSERT_UNIFORM_NOTIFY = `WITH ins AS (${INSERT_UNIFORM} RETURNING 1) SELECT pg_notify($10, $11) FROM (SELECT 1 FROM ins LIMIT 1) AS any_row`;
/** Plain insert that also sends a NOTIFY ($2 channel, $3 payload), delivered on commit. */
const INSERT_NOTIFY = `WITH ins AS (${INSERT} RETURNING 1) SELECT pg_notify($2, $3) FROM (SELECT 1 FROM ins LIMIT 1) AS any_row`;
/** Insert where some rows carry an idempotency key: existing keys are skipped and looked up afterwards. */
const INSERT_KEYED = `INSERT INTO tasks (${INSERT_COLUMNS}) ${INSERT_SELECT}
  ON CONFLICT (task_type, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING task_id`;
/**
 * One lookup in `tasks_idempotency_idx` per key: as a join, the generic plan made on a near-empty
 * table read every keyed row into a hash. The LIMIT (the index is unique) keeps PostgreSQL from
 * flattening the LATERAL subquery back into that join.
 */
const SELECT_BY_KEYS = `
  SELECT t.task_id, t.task_type, t.idempotency_key, t.status
  FROM unnest($1::text[], $2::text[]) AS k(type, key)
  CROSS JOIN LATERAL (SELECT task_id, task_type, idempotency_key, status FROM tasks WHERE task_type = k.type AND idempotency_key = k.key LIMIT 1) AS t`;

const ATTEMPT_ENTRY = (outcome: string, error: string) =>
  `jsonb_build_array(jsonb_build_object('attempt', t.attempt, 'started_at', t.started_at, 'ended_at', u.ended_at,
     'outcome', ${outcome}, 'worker', t.locked_by, 'error', ${error}))`;

/** Successful attempts (`batch` = a JSON array param, `worker` = the worker id param), fenced by attempt and holder. */
/*
 * Writes about attempts this instance holds find their rows by primary key, one
 * per batch element: `task_id = ANY (ids)` gives the planner that lookup, and the
 * fence's status test is written so that it does not match the predicate of the
 * partial index `tasks_lease_idx (… WHERE status = 'running')`. Believing few tasks
 * run, the planner otherwise read that index and the heap behind it — and between
 * two vacuums the index keeps an entry for every row version that was ever running
 * (15,000 entries and 1,100 heap pages for a batch of 50 in the middle of a
 * 20,000-task drain: 1.6 of the statement's 4 ms). `status` is NOT NULL, so the
 * COALESCE changes nothing else.
 */
const STILL_RUNNING = `COALESCE(t.status, '') = 'running'`;
/** The same for waiting rows and `tasks_claim_idx`, in the claim's steps that reach rows by key or address. */
const STILL_WAITING = `COALESCE(t.status, '') IN ${WAITING}`;
const idsOf = (batch: string) => `ARRAY(SELECT (e->>'id')::uuid FROM jsonb_array_elements(${batch}::jsonb) AS e)`;

/*
 * A completed row is its own record of the attempt that completed it (attempt,
 * started_at, completed_at, and locked_by left naming the worker): nothing is
 * appended to attempt_history, which keeps the attempts that ended otherwise.
 * The API lists both (see task-query.service). Building and appending the entry
 * cost ~15 % of the drain rate.
 */
const COMPLETE = `
UPDATE tasks t
SET status = 'completed', result_data = u.result, completed_at = u.ended_at, updated_at = u.ended_at,
    progress = 100, progress_message = COALESCE(u.message, t.progress_message), locked_until = NULL
FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, attempt int, result jsonb, ended_at timestamptz, message text)
WHERE t.task_id = ANY (${idsOf('$1')}) AND t.task_id = u.id AND t.attempt = u.attempt AND t.locked_by = $2 AND ${STILL_RUNNING}
RETURNING t.task_id`;

/**
 * The claim. For every (type, priority) pair it reads the head of that slice of
 * the claim index (`tasks_claim_idx`: type, priority, run_at, task_id; only
 * waiting rows), so its cost does not grow with the depth of the queue. The heads
 * are ranked by effective priority (priority level plus one level per `$7` ms of
 * waiting, capped at the top level; `$7` = 0 disables aging), then run_at, then
 * submission order (UUIDv7 ids sort by creation time), and only the rows
 * actually taken are locked, with SKIP LOCKED so that any number of instances
 * can claim at once without waiting on each other.
 *
 * The ranked candidates are read once (a materialised CTE) and serve twice: as
 * an array of ids in rank order, each looked up by primary key and locked in a
 * LATERAL step (no join whose method the planner could choose by the size of
 * the table: see ENGINE_SESSION_OPTIONS), and for the contention check, which
 * counts them again when the claim came back short. Counting an inlined CTE
 * instead re-read every head: on a near-empty queue, where most claims come back
 * short, that was a quarter of the statement.
 *
 * The rows locked are updated by their physical address (`ctid`), read while
 * locking them: no second descent of the primary key per row (drain +10–20 %).
 * The address is stable while the lock is held; the one case where it names a
 * version the statement's snapshot cannot see (another transaction updated the
 * row and committed after the snapshot) just leaves that row out of this claim
 * — it stays waiting, and the status test makes that explicit.
 *
 * Outcomes are not written here but by their own statements, on another
 * connection, while the next claim runs: the two use two PostgreSQL backends
 * (and cores) at once. Carrying the completions inside the claim statement — one
 * round trip and one WAL flush for both — was measured and lost ~20 % of the
 * drain rate once claims were pipelined (see the dispatcher's claiming ahead).
 *
 * The claim commits without waiting for its WAL flush (\`synchronous_commit =
 * off\` for that transaction, set inside the statement): ~0.2 ms less between
 * a task's notification and its start. Nothing durable depends on it. If
 * PostgreSQL crashed before the flush, the claim would be undone — the task
 * waiting again, its attempt not counted — and the outcome this instance then
 * writes would be refused by the fence (attempt and holder), so the task runs
 * again: what a lost lease does. Any later synchronous commit (an outcome, a
 * submit) flushes the WAL up to it anyway.
 *
 * `capped`: some types have a cluster-wide concurrency limit (`$8`, NULL for
 * none): each type's share is its limit minus what already runs (counted in the
 * type's range of `tasks_lease_idx`, whose first key is the type), applied with a
 * window over the ranked heads. Without limits that machinery is left out.
 */
/** What a row of the claim's result is: a task taken, or the contention mark. */
const ROW_CLAIMED = 0;
const ROW_CONTENDED = 1;

function claimSql(capped: boolean): string {
  const types = capped
    ? `types AS (
  SELECT ty.task_type,
         CASE WHEN ty.global_limit IS NULL THEN ty.cap
              ELSE GREATEST(0, LEAST(ty.cap, ty.global_limit -
                     (SELECT count(*)::int FROM tasks r WHERE r.status = 'running' AND r.task_type = ty.task_type)))
         END AS cap
  FROM unnest($1::text[], $2::int[], $8::int[]) AS ty(task_type, cap, global_limit)
), `
    : '';
  const typeSource = capped ? 'types AS ty' : 'unnest($1::text[], $2::int[]) AS ty(task_type, cap)';
  const ranking = capped
    ? `ranked AS (
  SELECT task_id, run_at, eff, row_number() OVER (PARTITION BY task_type ORDER BY eff DESC, run_at, task_id) AS type_rank, cap
  FROM heads
), candidates AS MATERIALIZED (
  SELECT task_id, run_at, eff FROM ranked WHERE type_rank <= cap
  ORDER BY eff DESC, run_at, task_id LIMIT $4 * 2
)`
    : `candidates AS MATERIALIZED (
  SELECT task_id, run_at, eff FROM heads ORDER BY eff DESC, run_at, task_id LIMIT $4 * 2
)`;
  return `
WITH ${types}heads AS (
  SELECT h.task_id, h.task_type, h.run_at, h.eff, ty.cap
  FROM ${typeSource}
  CROSS JOIN unnest(${PRIORITIES}, ${LEVELS}) AS p(priority, level)
  CROSS JOIN LATERAL (
    SELECT t.task_id, t.task_type, t.run_at,
           CASE WHEN $7::bigint > 0
                THEN LEAST(${TOP_LEVEL}, p.level + floor(extract(epoch FROM ($3::timestamptz - t.run_at)) * 1000 / $7::bigint)::int)
                ELSE p.level END AS eff
    FROM tasks t
    WHERE t.status IN ${WAITING} AND t.task_type = ty.task_type AND t.priority = p.priority AND t.run_at <= $3
    ORDER BY t.run_at, t.task_id
    LIMIT ty.cap
  ) h
), ${ranking}, picked AS (
  SELECT l.row_id
  FROM unnest(ARRAY(SELECT task_id FROM candidates ORDER BY eff DESC, run_at, task_id)) WITH ORDINALITY AS c(task_id, rank)
  CROSS JOIN LATERAL (
    SELECT t.ctid AS row_id FROM tasks t
    WHERE t.task_id = c.task_id AND ${STILL_WAITING}
    FOR UPDATE SKIP LOCKED
  ) l
  ORDER BY c.rank
  LIMIT $4
), claimed AS (
  UPDATE tasks t
  SET status = 'running', attempt = t.attempt + 1, started_at = $3, updated_at = $3,
      locked_by = $5, locked_until = $6, progress = 0, progress_message = NULL
  WHERE t.ctid = ANY (ARRAY(SELECT row_id FROM picked)) AND ${STILL_WAITING}
    AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL
  RETURNING t.task_id, t.task_type, t.priority, t.attempt, t.retry_count, t.max_retries, t.timeout_seconds,
            -- as epoch milliseconds: a number is parsed far faster than a timestamp string
            (extract(epoch FROM t.run_at) * 1000)::float8 AS run_at_ms, t.input_data
)
SELECT ${ROW_CLAIMED} AS kind, c.* FROM claimed c
UNION ALL
-- Checked only when the claim came back short: were more candidates in sight than were taken?
SELECT ${ROW_CONTENDED}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
WHERE (SELECT count(*) FROM claimed) < $4 AND (SELECT count(*) FROM candidates) > (SELECT count(*) FROM claimed)`;
}

/** The claim when no type has a cluster-wide limit (exported for the test of its commit mode). */
export const CLAIM = claimSql(false);
const CLAIM_CAPPED = claimSql(true);



/**
 * Ends attempts that did not complete. One that would put the task back in the queue (handed
 * back, or failed with retries left) after a cancel was requested ends it cancelled instead: the
 * request reached the row while the holder still had it, and the task must not run again.
 */
const END_ATTEMPTS = `
UPDATE tasks t
SET status = CASE WHEN (u.status IN ('pending', 'retrying') AND t.cancel_requested_at IS NOT NULL) THEN 'cancelled' ELSE u.status END,
    error_info = COALESCE(u.error, t.error_info),
    retry_count = t.retry_count + CASE WHEN u.status = 'retrying' AND t.cancel_requested_at IS NULL THEN 1 ELSE 0 END,
    run_at = COALESCE(u.retry_at, t.run_at),
    completed_at = CASE WHEN u.status IN ${statusListSql(['failed', 'timeout', 'cancelled'])} OR (u.status IN ('pending', 'retrying') AND t.cancel_requested_at IS NOT NULL) THEN u.ended_at ELSE NULL END,
    started_at = CASE WHEN u.status = 'pending' THEN NULL ELSE t.started_at END,
    updated_at = u.ended_at, locked_by = NULL, locked_until = NULL,
    attempt_history = t.attempt_history || ${ATTEMPT_ENTRY('u.outcome', `CASE WHEN u.error IS NULL THEN NULL ELSE jsonb_build_object('name', u.error->'name', 'message', u.error->'message') END`)}
FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, attempt int, status text, outcome text, ended_at timestamptz, error jsonb, retry_at timestamptz)
WHERE t.task_id = ANY (${idsOf('$1')}) AND t.task_id = u.id AND t.attempt = u.attempt AND t.locked_by = $2 AND ${STILL_RUNNING}
RETURNING t.task_id, t.status`;

const RENEW = `
UPDATE tasks t SET locked_until = $3
FROM unnest($1::uuid[], $2::int[]) AS u(id, attempt)
WHERE t.task_id = ANY ($1::uuid[]) AND t.task_id = u.id AND t.attempt = u.attempt AND t.locked_by = $4 AND ${STILL_RUNNING}
RETURNING t.task_id, t.cancel_requested_at IS NOT NULL AS cancel_requested`;

const PROGRESS = `
UPDATE tasks t SET progress = $4, progress_message = $5, updated_at = $6
WHERE t.task_id = $1 AND t.attempt = $2 AND t.locked_by = $3 AND ${STILL_RUNNING}`;

const CANCEL = `
UPDATE tasks
SET status = CASE WHEN status IN ${fromStatusesSql('cancelWaiting')} THEN 'cancelled' ELSE status END,
    completed_at = CASE WHEN status IN ${fromStatusesSql('cancelWaiting')} THEN $2 ELSE completed_at END,
    cancel_requested_at = COALESCE(cancel_requested_at, $2), updated_at = $2
WHERE task_id = $1 AND status IN ${statusListSql(['pending', 'retrying', 'running'])}
RETURNING status, locked_by`;

const RETRY = `
UPDATE tasks
SET status = 'pending', run_at = $2, updated_at = $2, completed_at = NULL, started_at = NULL,
    cancel_requested_at = NULL, retry_count = 0, progress = 0, progress_message = NULL
WHERE task_id = $1 AND status IN ${fromStatusesSql('retry')}
RETURNING status`;

const STATUS_OF = `SELECT status FROM tasks WHERE task_id = $1`;

/**
 * Recovery of running tasks whose holder stopped renewing the lease (crash,
 * kill -9, lost network). The attempt counts: the task is retried at once while
 * it has retries left, failed otherwise, and cancelled if a cancel was pending.
 */
const RECOVER = `
WITH expired AS (
  SELECT task_id FROM tasks WHERE status = 'running' AND locked_until < $1
  ORDER BY locked_until LIMIT $2 FOR UPDATE SKIP LOCKED
), decided AS (
  SELECT t.task_id,
         CASE WHEN t.cancel_requested_at IS NOT NULL THEN 'cancelled'
              WHEN t.retry_count < t.max_retries THEN 'retrying' ELSE 'failed' END AS next_status
  FROM tasks t JOIN expired e ON e.task_id = t.task_id
)
UPDATE tasks t
SET status = d.next_status,
    retry_count = t.retry_count + CASE WHEN d.next_status = 'retrying' THEN 1 ELSE 0 END,
    run_at = CASE WHEN d.next_status = 'retrying' THEN $1 ELSE t.run_at END,
    completed_at = CASE WHEN d.next_status = 'retrying' THEN NULL ELSE $1 END,
    updated_at = $1, locked_by = NULL, locked_until = NULL,
    error_info = CASE WHEN d.next_status = 'cancelled' THEN t.error_info ELSE jsonb_build_object(
      'name', 'WorkerLostError',
      'message', 'The worker ' || COALESCE(t.locked_by, '?') || ' stopped renewing the lease of attempt ' || t.attempt || ' (process crashed or lost the database); the attempt was abandoned.',
      'retryable', true, 'attempt', t.attempt, 'occurred_at', to_jsonb($1::timestamptz)) END,
    attempt_history = t.attempt_history || jsonb_build_array(jsonb_build_object('attempt', t.attempt, 'started_at', t.started_at,
      'ended_at', $1::timestamptz, 'outcome', 'lost', 'worker', t.locked_by,
      'error', jsonb_build_object('name', 'WorkerLostError', 'message', 'lease expired')))
FROM decided d WHERE t.task_id = d.task_id
RETURNING t.task_id, t.task_type, t.status`;

const OLDEST_WAITING = `
SELECT min(h.run_at) AS oldest
FROM unnest($1::text[]) AS ty(task_type)
CROSS JOIN unnest(${PRIORITIES}) AS p(priority)
CROSS JOIN LATERAL (
  SELECT t.run_at FROM tasks t
  WHERE t.status IN ${WAITING} AND t.task_type = ty.task_type AND t.priority = p.priority AND t.run_at <= $2
  ORDER BY t.run_at, t.task_id LIMIT 1
) h`;

interface ClaimRow extends QueryResultRow {
  /**
   * ROW_CLAIMED: a task taken. ROW_CONTENDED: fewer tasks were taken than asked for
   * while due ones were in sight — other instances held them (SKIP LOCKED) or took
   * them first. The other columns are null on that one.
   */
  kind: number;
  task_id: string;
  task_type: string;
  priority: number;
  attempt: number;
  retry_count: number;
  max_retries: number;
  timeout_seconds: number;
  run_at_ms: number;
  input_data: unknown;
}

/** Connections of the engine's own pool: a claim, an outcome write, two insert batches, lease renewals and the odd cancel. */
const ENGINE_POOL_SIZE = 8;

/**
 * Settings of the engine's sessions. Each statement is planned once per
 * connection (`plan_cache_mode = force_generic_plan`): the claim's custom plan
 * took longer to make (~0.8 ms) than to run. A generic plan is kept as long as
 * the connection lives, and it is often made while the table is nearly empty —
 * at start-up, or on a quiet queue — where reading a few pages whole looks
 * cheapest: a sequential scan, a bitmap over every waiting row of
 * `tasks_claim_idx`, a hash or merge join against the whole table. When a
 * backlog then arrives, that plan reads all of it on every claim and every
 * outcome write (a burst of 100,000 tasks into a running instance drained at
 * ~1,100/s instead of ~14,000/s, until autovacuum's next ANALYZE invalidated
 * the plans). Every statement here reaches rows by key or by address, so
 * sequential scans and merge joins are switched off in these sessions, and the
 * status tests of the steps that reach rows by key or address are written so
 * that they cannot select a partial index (`STILL_WAITING` in the claim,
 * `STILL_RUNNING` in the outcome writes): the plan made on an empty table is
 * then the plan of a deep one. TypeORM's pool, used for everything else, keeps
 * PostgreSQL's default planning.
 */
export const ENGINE_SESSION_OPTIONS = '-c jit=off -c plan_cache_mode=force_generic_plan -c enable_seqscan=off -c enable_mergejoin=off';

/**
 * PostgreSQL storage, on a `pg` pool of its own with named prepared statements
 * (`ENGINE_SESSION_OPTIONS`), so that PostgreSQL parses and plans each statement
 * once per connection. Every statement here is written so that its generic plan
 * is the good one (index lookups by key, `= ANY (ARRAY(...))` instead of joins
 * whose size the planner would have to guess).
 */
export class PostgresTaskStore implements TaskStore {
  readonly dialect = 'postgres';
  private readonly logger = new Logger('PostgresTaskStore');
  private pool!: Pool;
  private closed = false;

  constructor(private readonly dataSource: DataSource) {}

  async init(): Promise<void> {
    const options = this.dataSource.options as PostgresConnectionOptions;
    this.pool = new Pool({
      connectionString: options.url,
      ssl: options.ssl as PoolConfig['ssl'],
      max: ENGINE_POOL_SIZE,
      application_name: `${options.applicationName ?? 'tasks'}:engine`,
      options: ENGINE_SESSION_OPTIONS,
    });
    // A connection that breaks while idle is dropped by the pool; the next query opens another.
    this.pool.on('error', (error) => this.logger.warn(`Idle engine connection lost: ${error.message}`));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.end();
  }

  /** The pool, or `TaskStoreClosedError` once closed (a call still in flight while the process shuts down). */
  private get live(): Pool {
    if (this.closed) throw new TaskStoreClosedError();
    return this.pool;
  }

  /**
   * The claim on the connection a notification just arrived on (see
   * PostgresTaskNotifier). If that connection fails, the claim runs on the pool:
   * had the failed one taken tasks before its answer was lost, their leases
   * lapse and recovery hands them back, as for any connection lost mid-claim.
   */
  private async claimVia(via: ClaimConnection, values: unknown[]): Promise<ClaimRow[]> {
    try {
      return (await via.query({ name: 'tasks_claim', text: CLAIM, values })).rows as ClaimRow[];
    } catch (error) {
      if (this.closed) throw error;
      return this.run<ClaimRow>('tasks_claim', CLAIM, values);
    }
  }

  private async run<R extends QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> {
    const config: QueryConfig = { name, text, values };
    const result = await this.live.query<R>(config);
    return result.rows;
  }

  async insert(rows: readonly NewTaskRow[], notify?: { channel: string; payload: string } | null): Promise<InsertResult[]> {
    if (rows.length === 1 && rows[0].idempotencyKey === null) {
      const [r] = rows;
      const values = [
        r.taskId,
        r.taskType,
        r.priority,
        r.runAt.toISOString(),
        r.createdAt.toISOString(),
        r.inputJson,
        r.maxRetries,
        r.timeoutSeconds,
        r.metadataJson,
        r.directClaim?.workerId ?? null,
        r.directClaim?.leaseUntil.toISOString() ?? null,
      ];
      if (notify) await this.run('tasks_insert_one_notify', INSERT_ONE_NOTIFY, [...values, notify.channel, notify.payload]);
      else await this.run('tasks_insert_one', INSERT_ONE, values);
      return [insertedResult(r)];
    }
    if (rows.length > 1 && isUniform(rows)) {
      const [first] = rows;
      const values = [
        rows.map((r) => r.taskId),
        `[${rows.map((r) => r.inputJson).join(',')}]`,
        first.taskType,
        first.priority,
        first.runAt.toISOString(),
        first.createdAt.toISOString(),
        first.maxRetries,
        first.timeoutSeconds,
        first.metadataJson,
      ];
      if (notify) await this.run('tasks_insert_uniform_notify', INSERT_UNIFORM_NOTIFY, [...values, notify.channel, notify.payload]);
      else await this.run('tasks_insert_uniform', INSERT_UNIFORM, values);
      return rows.map(insertedResult);
    }
    if (notify && !rows.some((r) => r.idempotencyKey !== null)) {
      await this.run('tasks_insert_notify', INSERT_NOTIFY, [newRowsJson(rows), notify.channel, notify.payload]);
      return rows.map(insertedResult);
    }
    const results = await this.insertVia((text, values, name) => this.run(name, text, values), rows);
    if (notify) await this.run('tasks_notify', 'SELECT pg_notify($1, $2)', [notify.channel, notify.payload]);
    return results;
  }

  async insertWith(manager: EntityManager, rows: readonly NewTaskRow[]): Promise<InsertResult[]> {
    return this.insertVia((text, values) => manager.query(text, values), rows);
  }

  private async insertVia(
    exec: (text: string, values: unknown[], name: string) => Promise<QueryResultRow[]>,
    rows: readonly NewTaskRow[],
  ): Promise<InsertResult[]> {
    const json = newRowsJson(rows);
    if (!rows.some((r) => r.idempotencyKey !== null)) {
      await exec(INSERT, [json], 'tasks_insert');
      return rows.map(insertedResult);
    }
    const inserted = new Set((await exec(INSERT_KEYED, [json], 'tasks_insert_keyed')).map((r) => r.task_id as string));
    const missing = rows.filter((r) => !inserted.has(r.taskId));
    const existing = new Map<string, { task_id: string; status: TaskStatus }>();
    if (missing.length > 0) {
      const found = await exec(SELECT_BY_KEYS, [missing.map((r) => r.taskType), missing.map((r) => r.idempotencyKey)], 'tasks_by_keys');
      for (const f of found) existing.set(`${f.task_type}\u0000${f.idempotency_key}`, f as { task_id: string; status: TaskStatus });
    }
    return rows.map((r) => {
      if (inserted.has(r.taskId)) return insertedResult(r);
      const hit = existing.get(`${r.taskType}\u0000${r.idempotencyKey}`);
      if (!hit) throw new Error(`Task insert for idempotency key "${r.idempotencyKey}" neither inserted nor found an existing row`);
      return { taskId: hit.task_id, created: false, status: hit.status };
    });
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const capped = request.globalLimits.some((limit) => limit !== null);
    const values = [
      request.types,
      request.perTypeLimits,
      request.now,
      request.limit,
      request.workerId,
      request.leaseUntil,
      request.agingMs,
      ...(capped ? [request.globalLimits] : []),
    ];
    let rows: ClaimRow[];
    if (!capped) {
      rows = request.via ? await this.claimVia(request.via, values) : await this.run<ClaimRow>('tasks_claim', CLAIM, values);
    } else {
      // A cluster-wide limit counts what runs everywhere; two instances counting at
      // once would both see room. Claims that involve a limited type therefore take
      // a transaction-scoped advisory lock first, so they count one after another.
      const client = await this.live.connect();
      try {
        await client.query('BEGIN');
        await client.query({ name: 'tasks_claim_lock', text: 'SELECT pg_advisory_xact_lock($1)', values: [CLAIM_LOCK_KEY] });
        rows = (await client.query<ClaimRow>({ name: 'tasks_claim_capped', text: CLAIM_CAPPED, values })).rows;
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    }
    const tasks: ClaimedTask[] = [];
    let contended = false;
    for (const r of rows) {
      if (r.kind === ROW_CONTENDED) contended = true;
      if (r.kind !== ROW_CLAIMED) continue;
      tasks.push({
        taskId: r.task_id,
        taskType: r.task_type,
        priority: r.priority,
        attempt: r.attempt,
        retryCount: r.retry_count,
        maxRetries: r.max_retries,
        timeoutSeconds: r.timeout_seconds,
        runAt: new Date(r.run_at_ms),
        startedAt: request.now,
        input: r.input_data,
      });
    }
    return { tasks, contended };
  }

  async complete(completions: readonly Completion[], workerId: string): Promise<Set<string>> {
    const json = completionsJson(completions);
    const rows = await this.run<{ task_id: string }>('tasks_complete', COMPLETE, [json, workerId]);
    return new Set(rows.map((r) => r.task_id));
  }

  async endAttempts(ends: readonly AttemptEnd[], workerId: string): Promise<Map<string, TaskStatus>> {
    const json = attemptEndsJson(ends);
    const rows = await this.run<{ task_id: string; status: TaskStatus }>('tasks_end_attempts', END_ATTEMPTS, [json, workerId]);
    return new Map(rows.map((r) => [r.task_id, r.status]));
  }

  async renewLeases(held: readonly HeldAttempt[], workerId: string, until: Date): Promise<LeaseRenewal> {
    const rows = await this.run<{ task_id: string; cancel_requested: boolean }>('tasks_renew', RENEW, [
      held.map((h) => h.taskId),
      held.map((h) => h.attempt),
      until,
      workerId,
    ]);
    return {
      renewed: new Set(rows.map((r) => r.task_id)),
      cancelRequested: new Set(rows.filter((r) => r.cancel_requested).map((r) => r.task_id)),
    };
  }

  async saveProgress(held: HeldAttempt, workerId: string, percent: number, message: string | null, now: Date): Promise<boolean> {
    const result = await this.live.query({
      name: 'tasks_progress',
      text: PROGRESS,
      values: [held.taskId, held.attempt, workerId, percent, message, now],
    });
    return (result.rowCount ?? 0) > 0;
  }

  async cancel(taskId: string, now: Date): Promise<CancelOutcome> {
    const rows = await this.run<{ status: TaskStatus; locked_by: string | null }>('tasks_cancel', CANCEL, [taskId, now]);
    if (rows.length > 0) {
      return rows[0].status === 'cancelled' ? { kind: 'cancelled' } : { kind: 'requested', lockedBy: rows[0].locked_by };
    }
    return this.conflictOrMissing(taskId);
  }

  async retry(taskId: string, now: Date): Promise<RetryOutcome> {
    const rows = await this.run<{ status: TaskStatus }>('tasks_retry', RETRY, [taskId, now]);
    if (rows.length > 0) return { kind: 'requeued' };
    return this.conflictOrMissing(taskId);
  }

  private async conflictOrMissing(taskId: string): Promise<{ kind: 'conflict'; status: TaskStatus } | { kind: 'not_found' }> {
    const rows = await this.run<{ status: TaskStatus }>('tasks_status_of', STATUS_OF, [taskId]);
    return rows.length > 0 ? { kind: 'conflict', status: rows[0].status } : { kind: 'not_found' };
  }

  async recoverExpired(now: Date, limit: number): Promise<RecoveredTask[]> {
    const rows = await this.run<{ task_id: string; task_type: string; status: TaskStatus }>('tasks_recover', RECOVER, [now, limit]);
    return rows.map((r) => ({ taskId: r.task_id, taskType: r.task_type, status: r.status, lockedBy: null }));
  }

  async oldestWaiting(types: readonly string[], now: Date): Promise<Date | null> {
    const rows = await this.run<{ oldest: Date | null }>('tasks_oldest_waiting', OLDEST_WAITING, [types, now]);
    return rows[0]?.oldest ?? null;
  }

  async purgeFinished(request: PurgeRequest): Promise<number> {
    const result = await this.live.query({
      name: `tasks_purge_${request.statuses.join('_')}`,
      text: purgeSql(request.statuses),
      values: [request.finishedBefore, request.limit],
    });
    return result.rowCount ?? 0;
  }

  async withPurgeLock<T>(work: () => Promise<T>): Promise<T | undefined> {
    // A session lock on a connection of its own, held for the whole purge (many short transactions).
    const client = await this.live.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [PURGE_LOCK_KEY]);
      if (!rows[0].locked) return undefined;
      try {
        return await work();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [PURGE_LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  }
}
