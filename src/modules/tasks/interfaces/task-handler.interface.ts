import { TaskExecutorKind } from '../task.constants';
import { TaskInput, TaskResult, TaskType } from './task-type-map.interface';

/** What a running handler gets besides its input. */
export interface TaskContext {
  readonly taskId: string;
  readonly taskType: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** Fires on timeout, cancel, lease loss and shutdown; `reason` says which. */
  readonly signal: AbortSignal;
  /**
   * Records progress (0–100) and an optional message on the task. Calls are
   * coalesced: only the latest value is written, at most a few times a second.
   */
  reportProgress(percent: number, message?: string): void;
}

/** An `event-loop` handler: a provider (with dependency injection) that runs on the main thread. */
export interface EventLoopTaskHandler<T extends TaskType> {
  handle(input: TaskInput<T>, context: TaskContext): Promise<TaskResult<T>> | TaskResult<T>;
}

/**
 * Optional main-thread hooks of a `worker` handler. The CPU-bound part is the
 * default export of the file named in `@TaskHandler({ executor: 'worker', file })`;
 * it takes and returns plain data. `prepare` may load what the thread needs (for
 * example a document from the database); `finish` may store what it produced.
 */
export interface WorkerTaskHooks<T extends TaskType, WorkerIn = TaskInput<T>, WorkerOut = TaskResult<T>> {
  prepare?(input: TaskInput<T>, context: TaskContext): Promise<WorkerIn> | WorkerIn;
  finish?(output: WorkerOut, input: TaskInput<T>, context: TaskContext): Promise<TaskResult<T>> | TaskResult<T>;
}

/** Options of `@TaskHandler`. */
export interface TaskHandlerOptions {
  /** `worker`: a worker thread (CPU-bound work); `event-loop`: the main thread (I/O-bound work). */
  executor: TaskExecutorKind;
  /** For `worker` handlers: absolute path of the module (without extension) whose default export runs in the thread. */
  file?: string;
  /** Default timeout for tasks of this type (seconds); a submit may override it. */
  timeoutSeconds?: number;
  /** Default retries for tasks of this type; a submit may override it. */
  maxRetries?: number;
  /**
   * At most this many tasks of this type run at once in the whole cluster (all
   * instances on one database). Unset: limited only by the executor's size.
   * `TASK_TYPE_CONCURRENCY` overrides it per deployment.
   */
  concurrency?: number;
}

/** The context a worker-thread function receives. */
export interface WorkerTaskContext {
  readonly taskId: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
  reportProgress(percent: number, message?: string): void;
}
