import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};

const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every environment variable the service reads, with its default. Validated once at
 * boot (see `validateEnvironment`); nothing else in the code reads `process.env`.
 * The names of the seed design are kept (`TASK_MAX_CPU_WORKERS`, …).
 */
export class EnvironmentVariables {
  /** HTTP port. */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  /** `postgres://` URL; unset → embedded SQLite file at `SQLITE_PATH`. */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string = undefined;

  /** SQLite database file, used when `DATABASE_URL` is unset. */
  @IsString()
  SQLITE_PATH = './data/tasks.sqlite';

  /** Connections in the PostgreSQL pool. */
  @Transform(toInt) @IsInt() @Min(4) @Max(200)
  DATABASE_POOL_SIZE = 20;

  /** Worker threads for `worker` handlers. */
  @Transform(toInt) @IsInt() @Min(1) @Max(256)
  TASK_MAX_CPU_WORKERS = 4;

  /** `event-loop` handlers running at once. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10000)
  TASK_MAX_IO_WORKERS = 16;

  /** Default per-task timeout, seconds. */
  @Transform(toInt) @IsInt() @Min(1) @Max(7 * 24 * 3600)
  TASK_DEFAULT_TIMEOUT = 300;

  /** Default number of retries after the first attempt. */
  @Transform(toInt) @IsInt() @Min(0) @Max(100)
  TASK_MAX_RETRIES = 3;

  /** Completed and cancelled tasks are purged after this many days. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3650)
  TASK_CLEANUP_DAYS = 7;

  /** Failed and timed-out tasks are purged after this many days. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3650)
  TASK_FAILED_CLEANUP_DAYS = 30;

  /** Retention schedule (cron expression). */
  @IsString()
  TASK_CLEANUP_CRON = '0 * * * *';

  /** Retention: rows deleted per statement. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  TASK_CLEANUP_BATCH_SIZE = 1000;

  /** Backoff base: the first retry waits about this long (ms), doubling each time. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600_000)
  TASK_RETRY_BASE_MS = 1000;

  /** Backoff cap (ms). */
  @Transform(toInt) @IsInt() @Min(1) @Max(24 * 3600_000)
  TASK_RETRY_MAX_MS = 60_000;

  /** Fallback poll interval of the dispatcher (ms); wake-ups normally come sooner. */
  @Transform(toInt) @IsInt() @Min(10) @Max(600_000)
  TASK_POLL_INTERVAL_MS = 1000;

  /** How often a running task's lease is renewed (ms). */
  @Transform(toInt) @IsInt() @Min(50) @Max(600_000)
  TASK_HEARTBEAT_INTERVAL_MS = 5000;

  /** Lease length (ms): a task whose lease is not renewed for this long is recovered. */
  @Transform(toInt) @IsInt() @Min(100) @Max(3600_000)
  TASK_LEASE_MS = 30_000;

  /** Tasks claimed ahead go back to the queue when no slot has taken one for this long (ms). */
  @Transform(toInt) @IsInt() @Min(10) @Max(600_000)
  TASK_CLAIM_AHEAD_HOLD_MS = 1000;

  /** Grace between a cooperative abort (signal) and terminating a worker thread (ms). */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000)
  TASK_ABORT_GRACE_MS = 1000;

  /** A waiting task gains one priority level per this many ms (LOW reaches URGENT after 3×); 0 = strict priority. */
  @Transform(toInt) @IsInt() @Min(0) @Max(7 * 24 * 3600_000)
  TASK_PRIORITY_AGING_MS = 60_000;

  /** Cluster-wide concurrency limits per task type, e.g. `test_execution=2,document_analysis=3`. */
  @Matches(/^$|^\s*[A-Za-z0-9_.:-]+\s*=\s*[1-9]\d*\s*(,\s*[A-Za-z0-9_.:-]+\s*=\s*[1-9]\d*\s*)*$/, {
    message: 'TASK_TYPE_CONCURRENCY must look like "type=2,other_type=5" (positive integers)',
  })
  TASK_TYPE_CONCURRENCY = '';

  /** Whether this process serves the REST API (false → worker-only process: only /health and /metrics answer). */
  @Transform(toBool) @IsBoolean()
  API_ENABLED = true;

  /** Whether this process runs the dispatcher (false → API-only process). */
  @Transform(toBool) @IsBoolean()
  TASK_WORKER_ENABLED = true;

  /** On SIGTERM, how long running tasks may take to finish before they are handed back. */
  @Transform(toInt) @IsInt() @Min(0) @Max(3600)
  TASK_SHUTDOWN_GRACE_SECONDS = 25;

  /** Heap limit of each worker thread (MB): a runaway analysis dies alone instead of taking the process down. */
  @Transform(toInt) @IsInt() @Min(64) @Max(65536)
  TASK_WORKER_MAX_MEMORY_MB = 1024;

  /** Largest accepted document (bytes); bigger uploads get 413. */
  @Transform(toInt) @IsInt() @Min(1024) @Max(100 * 1024 * 1024)
  DOCUMENT_MAX_BYTES = 5 * 1024 * 1024;

  /**
   * Targets test runs may reach although they are loopback, private, link-local,
   * … (refused by default): comma-separated hostnames, IPs and CIDRs, e.g.
   * `127.0.0.0/8,::1,localhost` for a local demo.
   */
  @IsString()
  TEST_TARGET_ALLOWLIST = '';

  /** Per-request timeout of test runs (ms), unless a run sets its own. */
  @Transform(toInt) @IsInt() @Min(100) @Max(300_000)
  TEST_REQUEST_TIMEOUT_MS = 10_000;

  /** Response bytes a test run reads per request; the rest is discarded. */
  @Transform(toInt) @IsInt() @Min(1024) @Max(64 * 1024 * 1024)
  TEST_MAX_RESPONSE_BYTES = 1024 * 1024;

  /** Requests a test run sends at once, unless it sets its own (at most 64). */
  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  TEST_DEFAULT_CONCURRENCY = 4;

  /** Log level. */
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Runtime environment; `development` enables pretty logs. */
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

}
