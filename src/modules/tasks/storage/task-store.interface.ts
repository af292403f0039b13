import type { EntityManager } from 'typeorm';
import type { TaskAttemptOutcome, TaskErrorInfo } from '../interfaces/task-record.interface';
import type { TaskStatus } from '../task.constants';

/** A task row about to be inserted; JSON fields are already serialised. */
export interface NewTaskRow {
  taskId: string;
  taskType: string;
  priority: number;
  runAt: Date;
  createdAt: Date;
  inputJson: string;
  maxRetries: number;
  timeoutSeconds: number;
  metadataJson: string;
  idempotencyKey: string | null;
  /**
   * Set when the local dispatcher takes the task at submit (an idle slot and
   * nothing else due): the row is written `running`, attempt 1, leased to it.
   */
  directClaim?: { workerId: string; leaseUntil: Date } | null;
}

/** Outcome of inserting one row: created, or an existing task with the same idempotency key. */
export interface InsertResult {
  taskId: string;
  created: boolean;
  status: TaskStatus;
}

/**
 * A database connection a claim may run on instead of the store's pool (a `pg`
 * client): the one a notification of new tasks has just arrived on.
 */
export interface ClaimConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * What the dispatcher asks for: up to `limit` due tasks among `types`, at most
 * `perTypeLimits[i]` of `types[i]`, and never so many that more than
 * `globalLimits[i]` tasks of that type run in the whole cluster (null: no limit).
 */
export interface ClaimRequest {
  types: readonly string[];
  perTypeLimits: readonly number[];
  globalLimits: readonly (number | null)[];
  limit: number;
  now: Date;
  leaseUntil: Date;
  workerId: string;
  /** A waiting task gains one priority level per this many ms (0: strict priority). */
  agingMs: number;
  /** Where to run the claim if the store can (see `TaskNotificationHandlers.onNewTasks`); the store falls back to its own connections. */
  via?: ClaimConnection;
}

/** A task the dispatcher now holds (status `running`, lease taken). */
export interface ClaimedTask {
  taskId: string;
  taskType: string;
  priority: number;
  attempt: number;
  retryCount: number;
  maxRetries: number;
  timeoutSeconds: number;
  runAt: Date;
  startedAt: Date;
  input: unknown;
}

/** What a claim took. */
export interface ClaimResult {
  tasks: ClaimedTask[];
  /**
   * Fewer tasks were taken than asked for although due ones were in sight: other
   * instances held or took them at that moment. Claiming again at once finds the next ones.
   */
  contended?: boolean;
}

/** The running attempt a write is fenced by: it only lands while this worker still holds this attempt. */
export interface HeldAttempt {
  taskId: string;
  attempt: number;
}

/** A successful attempt. */
export interface Completion extends HeldAttempt {
  resultJson: string | null;
  endedAt: Date;
  /** The handler's latest progress message (throttled writes may not have stored it yet); null keeps the stored one. */
  progressMessage: string | null;
  /** For observers only (not written): the task's type and when the attempt started. */
  taskType: string;
  startedAt: Date;
}

/** Any other end of an attempt. */
export interface AttemptEnd extends HeldAttempt {
  /** For observers only (not written). */
  taskType: string;
  startedAt: Date;
  /** Status the task moves to. */
  status: Extract<TaskStatus, 'failed' | 'timeout' | 'retrying' | 'cancelled' | 'pending'>;
  outcome: TaskAttemptOutcome;
  endedAt: Date;
  errorInfo: TaskErrorInfo | null;
  /** For `retrying`: when the next attempt may start. */
  retryAt?: Date;
}

export interface LeaseRenewal {
  /** Attempts still held by this worker. */
  renewed: Set<string>;
  /** Of those, the tasks somebody asked to cancel. */
  cancelRequested: Set<string>;
}

export type CancelOutcome =
  | { kind: 'cancelled' }
  | { kind: 'requested'; lockedBy: string | null }
  | { kind: 'conflict'; status: TaskStatus }
  | { kind: 'not_found' };

export type RetryOutcome = { kind: 'requeued' } | { kind: 'conflict'; status: TaskStatus } | { kind: 'not_found' };

/** A running task whose lease expired and that was recovered. */
export interface RecoveredTask {
  taskId: string;
  taskType: string;
  status: TaskStatus;
}

/**
 * Storage strategy of the engine: the hand-written, batched SQL of the hot path
 * and of every status change, one implementation per dialect
 * (`PostgresTaskStore`, `SqliteTaskStore`). Reads for the API go through the
 * TypeORM repository instead (`TaskQueryService`).
 */
export interface TaskStore {
  readonly dialect: 'postgres' | 'sqlite';
  init(): Promise<void>;
  close(): Promise<void>;

  /**
   * Inserts in one statement (autocommit); rows with an existing idempotency key
   * return the existing task. With `notify`, the same statement sends that
   * NOTIFY (delivered when it commits).
   */
  insert(rows: readonly NewTaskRow[], notify?: { channel: string; payload: string } | null): Promise<InsertResult[]>;
  /** Inserts inside the caller's transaction. */
  insertWith(manager: EntityManager, rows: readonly NewTaskRow[]): Promise<InsertResult[]>;

  /** Takes due tasks. */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** Writes successful attempts; returns the ids whose write landed (the others had lost their lease). */
  complete(completions: readonly Completion[], workerId: string): Promise<Set<string>>;
  /**
   * Writes failed / timed-out / cancelled / released attempts; returns the ids whose write landed,
   * each with the status written (`cancelled` where a cancel request overrode a requeue).
   */
  endAttempts(ends: readonly AttemptEnd[], workerId: string): Promise<Map<string, TaskStatus>>;
  renewLeases(held: readonly HeldAttempt[], workerId: string, until: Date): Promise<LeaseRenewal>;
  saveProgress(held: HeldAttempt, workerId: string, percent: number, message: string | null, now: Date): Promise<boolean>;

  cancel(taskId: string, now: Date): Promise<CancelOutcome>;
  retry(taskId: string, now: Date): Promise<RetryOutcome>;
  /** Re-queues (or fails, or cancels) running tasks whose lease expired before `now`. */
  recoverExpired(now: Date, limit: number): Promise<RecoveredTask[]>;
  /** Run-at of the oldest due waiting task among `types`, or null. */
  oldestWaiting(types: readonly string[], now: Date): Promise<Date | null>;

  /** Deletes one batch of finished tasks (one statement); returns how many rows went. */
  purgeFinished(request: PurgeRequest): Promise<number>;
  /**
   * Runs `work` if no other instance is purging (PostgreSQL: a session advisory
   * lock; SQLite: single node, always). Returns undefined when another instance holds it.
   */
  withPurgeLock<T>(work: () => Promise<T>): Promise<T | undefined>;
}

/** One batch of the retention purge. */
export interface PurgeRequest {
  statuses: readonly ('completed' | 'cancelled' | 'failed' | 'timeout')[];
  /** Tasks that finished before this time are deleted. */
  finishedBefore: Date;
  limit: number;
}
