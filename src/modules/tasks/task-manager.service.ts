import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent } from 'typeorm';
import { InvalidTaskOptionsError } from './errors/invalid-task-options.error';
import { TaskNotFoundError } from './errors/task-not-found.error';
import { TaskStateConflictError } from './errors/task-state-conflict.error';
import { UnknownTaskTypeError } from './errors/unknown-task-type.error';
import type { TaskRecord } from './interfaces/task-record.interface';
import type { TaskInput, TaskResult, TaskType } from './interfaces/task-type-map.interface';
import type { TasksModuleOptions } from './interfaces/tasks-module-options.interface';
import { TaskMonitor, type TaskStatistics } from './monitor/task-monitor.service';
import { TaskInsertBatcher } from './storage/task-insert-batcher';
import type { TaskNotifier } from './storage/task-notifier.interface';
import type { ClaimedTask, InsertResult, NewTaskRow, TaskStore } from './storage/task-store.interface';
import { TaskEvents } from './task-events';
import { TaskDispatcher } from './task-dispatcher.service';
import { TaskHandlerRegistry } from './task-handler.registry';
import { TaskQueryService, type TaskListFilter, type TaskPage } from './task-query.service';
import { TASK_TRANSITIONS } from './task-state-machine';
import { TASK_NOTIFIER, TASK_PRIORITIES, TASK_STORE, TASKS_MODULE_OPTIONS, TaskPriority, type TaskStatus } from './task.constants';

/** Options of one submit. */
export interface SubmitOptions {
  /** 1 (LOW), 5 (NORMAL), 10 (HIGH) or 20 (URGENT). @default 5 */
  priority?: TaskPriority;
  /** Do not start before this time. */
  runAt?: Date;
  /** Do not start before this many ms from now (ignored when `runAt` is given). */
  delayMs?: number;
  /** A second submit with the same key (and type) returns the existing task instead of creating one. */
  idempotencyKey?: string;
  /** @default the handler's `timeoutSeconds`, else `TASK_DEFAULT_TIMEOUT` */
  timeoutSeconds?: number;
  /** @default the handler's `maxRetries`, else `TASK_MAX_RETRIES` */
  maxRetries?: number;
  /** Free-form data kept with the task. */
  metadata?: Record<string, unknown>;
  /**
   * Submit inside the caller's transaction: the task exists if and only if the
   * transaction commits. The dispatcher is woken when it commits.
   */
  manager?: EntityManager;
}

/** What a submit returns. */
export interface SubmittedTask {
  task_id: string;
  /** `pending` for a new task; the existing task's status when the idempotency key was already used. */
  status: TaskStatus;
  /** False when an existing task was returned for the idempotency key. */
  created: boolean;
}

/**
 * The public face of the task system: submit typed tasks, read, list, cancel,
 * retry, statistics. Feature modules inject it.
 *
 * @example
 * const { task_id } = await tasks.submit('document_analysis', { documentId }, { priority: TaskPriority.HIGH });
 */
@Injectable()
export class TaskManager implements OnModuleInit, EntitySubscriberInterface {
  private readonly batcher: TaskInsertBatcher;
  /** Transactions that submitted tasks and have not committed yet. */
  private readonly openTransactions = new WeakMap<QueryRunner, { types: Map<string, number>; runAt: Date }>();

  constructor(
    @Inject(TASK_STORE) private readonly store: TaskStore,
    @Inject(TASK_NOTIFIER) private readonly notifier: TaskNotifier,
    @Inject(TASKS_MODULE_OPTIONS) private readonly options: TasksModuleOptions,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: TaskHandlerRegistry,
    private readonly events: TaskEvents,
    private readonly queries: TaskQueryService,
    private readonly monitor: TaskMonitor,
    private readonly dispatcher: TaskDispatcher,
  ) {
    this.batcher = new TaskInsertBatcher(store, notifier, options.insertConcurrency ?? (store.dialect === 'sqlite' ? 1 : 2));
  }

  onModuleInit(): void {
    // Wakes the dispatcher when a transaction that submitted tasks commits.
    this.dataSource.subscribers.push(this);
  }

  /** Submits one task; resolves once its row is committed. */
  async submit<T extends TaskType>(taskType: T, input: TaskInput<T>, options: SubmitOptions = {}): Promise<SubmittedTask> {
    const row = this.buildRow(taskType, input, options, new Date());
    if (options.manager) {
      const [result] = await this.store.insertWith(options.manager, [row]);
      await this.afterTransactionalInsert(options.manager, [row]);
      return toSubmitted(result);
    }
    // An idle local slot takes the task at once (written running, started on commit); otherwise it is queued.
    const taken = row.idempotencyKey === null ? this.dispatcher.takeAtSubmit(taskType, row.runAt, row.createdAt) : null;
    if (taken) row.directClaim = { workerId: taken.workerId, leaseUntil: taken.leaseUntil };
    let result: InsertResult;
    try {
      result = await this.batcher.add(row);
    } catch (error) {
      if (taken) this.dispatcher.releaseTaken(taken);
      throw error;
    }
    if (taken) this.dispatcher.startTaken(taken, takenTask(row));
    this.announce([row], result.created ? 1 : 0, false, !taken);
    return toSubmitted(result);
  }

  /** Submits many tasks of one type in as few statements as possible (one per 1,000 tasks). */
  async submitMany<T extends TaskType>(taskType: T, inputs: readonly TaskInput<T>[], options: Omit<SubmitOptions, 'idempotencyKey'> = {}): Promise<SubmittedTask[]> {
    const now = new Date();
    const rows = inputs.map((input) => this.buildRow(taskType, input, options, now));
    const results: InsertResult[] = [];
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      results.push(...(options.manager ? await this.store.insertWith(options.manager, chunk) : await this.store.insert(chunk, this.notifier.takeInlineNotification())));
    }
    if (options.manager) await this.afterTransactionalInsert(options.manager, rows);
    else if (rows.length > 0) this.announce(rows);
    return results.map(toSubmitted);
  }

  /** A task by id, or null. */
  async find(taskId: string): Promise<TaskRecord | null> {
    return this.queries.get(taskId);
  }

  /** A task by id; throws `TaskNotFoundError`. */
  async get<T extends TaskType>(taskId: string): Promise<TaskRecord<TaskInput<T>, TaskResult<T>>> {
    const task = await this.queries.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task as TaskRecord<TaskInput<T>, TaskResult<T>>;
  }

  /** Tasks, newest first, filtered by type and status. */
  async list(filter: TaskListFilter = {}): Promise<TaskPage> {
    return this.queries.list(filter);
  }

  /**
   * Cancels a task. A pending or retrying task is cancelled at once; a running
   * one has its signal fired wherever it runs (its worker thread is terminated
   * after the abort grace) and ends `cancelled` shortly after — the returned
   * record then still says `running`, with `cancel_requested_at` set.
   * Throws `TaskStateConflictError` for a finished task.
   */
  async cancel(taskId: string): Promise<TaskRecord> {
    const outcome = await this.store.cancel(taskId, new Date());
    switch (outcome.kind) {
      case 'not_found':
        throw new TaskNotFoundError(taskId);
      case 'conflict':
        throw new TaskStateConflictError(taskId, 'cancel', outcome.status, [...TASK_TRANSITIONS.cancelWaiting.from, ...TASK_TRANSITIONS.cancelRunning.from]);
      case 'requested':
        this.events.cancelRequested(taskId);
        await this.notifier.notifyCancel(taskId).catch(() => undefined);
        break;
      case 'cancelled':
        break;
      default:
        assertNever(outcome);
    }
    const task = await this.get(taskId);
    if (outcome.kind === 'cancelled') this.events.lifecycle({ kind: 'cancelled', taskType: task.task_type });
    return task;
  }

  /** Runs a failed, timed-out or cancelled task again (with a fresh set of retries). */
  async retry(taskId: string): Promise<TaskRecord> {
    const outcome = await this.store.retry(taskId, new Date());
    switch (outcome.kind) {
      case 'not_found':
        throw new TaskNotFoundError(taskId);
      case 'conflict':
        throw new TaskStateConflictError(taskId, 'retry', outcome.status, TASK_TRANSITIONS.retry.from);
      case 'requeued':
        break;
      default:
        assertNever(outcome);
    }
    const task = await this.get(taskId);
    this.events.lifecycle({ kind: 'requeued', taskType: task.task_type });
    this.events.submitted([task.task_type], new Date());
    this.notifier.notifyNewTasks();
    return task;
  }

  /** Queue and execution statistics (see `TaskStatistics`). */
  async statistics(): Promise<TaskStatistics> {
    return this.monitor.statistics();
  }

  /** TypeORM subscriber hook: a transaction that submitted tasks committed. */
  afterTransactionCommit(event: TransactionCommitEvent): void {
    const pending = this.openTransactions.get(event.queryRunner);
    if (!pending) return;
    this.openTransactions.delete(event.queryRunner);
    this.events.submitted([...pending.types.keys()], pending.runAt);
    for (const [taskType, count] of pending.types) this.events.lifecycle({ kind: 'submitted', taskType, count });
  }

  afterTransactionRollback(event: TransactionCommitEvent): void {
    this.openTransactions.delete(event.queryRunner);
  }

  private async afterTransactionalInsert(manager: EntityManager, rows: NewTaskRow[]): Promise<void> {
    const runner = manager.queryRunner;
    const runAt = rows.reduce((min, r) => (r.runAt < min ? r.runAt : min), rows[0].runAt);
    if (runner?.isTransactionActive) {
      const pending = this.openTransactions.get(runner) ?? { types: new Map<string, number>(), runAt };
      rows.forEach((r) => pending.types.set(r.taskType, (pending.types.get(r.taskType) ?? 0) + 1));
      if (runAt < pending.runAt) pending.runAt = runAt;
      this.openTransactions.set(runner, pending);
      const notify = this.notifier.notifyInTransactionSql();
      if (notify) await manager.query(notify);
    } else {
      this.announce(rows);
    }
  }

  /** Wakes the local dispatcher (and, unless the insert did, the other instances), and tells observers. */
  private announce(rows: readonly NewTaskRow[], created = rows.length, notifyOthers = true, wakeLocal = true): void {
    const types = new Set(rows.map((r) => r.taskType));
    const runAt = rows.reduce((min, r) => (r.runAt < min ? r.runAt : min), rows[0].runAt);
    if (wakeLocal) this.events.submitted([...types], runAt);
    if (notifyOthers) this.notifier.notifyNewTasks();
    if (created > 0) for (const taskType of types) this.events.lifecycle({ kind: 'submitted', taskType, count: types.size === 1 ? created : rows.filter((r) => r.taskType === taskType).length });
  }

  private buildRow(taskType: string, input: unknown, options: SubmitOptions, now: Date): NewTaskRow {
    const handler = this.registry.get(taskType);
    if (!handler) throw new UnknownTaskTypeError(taskType);
    const priority = options.priority ?? TaskPriority.NORMAL;
    if (!TASK_PRIORITIES.includes(priority)) {
      throw new InvalidTaskOptionsError('priority', `must be one of ${TASK_PRIORITIES.join(', ')} (LOW, NORMAL, HIGH, URGENT); got ${String(priority)}`);
    }
    const timeoutSeconds = options.timeoutSeconds ?? handler.timeoutSeconds ?? this.options.defaultTimeoutSeconds;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 7 * 24 * 3600) {
      throw new InvalidTaskOptionsError('timeout_seconds', `must be an integer between 1 and 604800; got ${String(timeoutSeconds)}`);
    }
    const maxRetries = options.maxRetries ?? handler.maxRetries ?? this.options.defaultMaxRetries;
    if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 100) {
      throw new InvalidTaskOptionsError('max_retries', `must be an integer between 0 and 100; got ${String(maxRetries)}`);
    }
    let runAt = now;
    if (options.runAt !== undefined) {
      if (!(options.runAt instanceof Date) || Number.isNaN(options.runAt.getTime())) throw new InvalidTaskOptionsError('run_at', 'must be a valid date');
      runAt = options.runAt;
    } else if (options.delayMs !== undefined) {
      if (!Number.isFinite(options.delayMs) || options.delayMs < 0) throw new InvalidTaskOptionsError('delay_ms', 'must be a non-negative number');
      runAt = new Date(now.getTime() + options.delayMs);
    }
    const key = options.idempotencyKey ?? null;
    if (key !== null && (typeof key !== 'string' || key.length === 0 || key.length > 255)) {
      throw new InvalidTaskOptionsError('idempotency_key', 'must be a string of 1–255 characters');
    }
    return {
      taskId: uuidv7(),
      taskType,
      priority,
      runAt,
      createdAt: now,
      inputJson: toJson(input, 'input_data'),
      maxRetries,
      timeoutSeconds,
      metadataJson: toJson(options.metadata ?? {}, 'metadata'),
      idempotencyKey: key,
    };
  }
}

function toJson(value: unknown, field: string): string {
  try {
    return JSON.stringify(value ?? null);
  } catch (error) {
    throw new InvalidTaskOptionsError(field, `must be JSON-serialisable (${(error as Error).message})`);
  }
}

function toSubmitted(result: InsertResult): SubmittedTask {
  return { task_id: result.taskId, status: result.status, created: result.created };
}

function assertNever(value: never): never {
  throw new Error(`Unexpected value ${JSON.stringify(value)}`);
}

/** The claimed form of a row written `running` at submit. */
function takenTask(row: NewTaskRow): ClaimedTask {
  return {
    taskId: row.taskId,
    taskType: row.taskType,
    priority: row.priority,
    attempt: 1,
    retryCount: 0,
    maxRetries: row.maxRetries,
    timeoutSeconds: row.timeoutSeconds,
    runAt: row.runAt,
    startedAt: row.createdAt,
    input: JSON.parse(row.inputJson) as unknown,
  };
}
