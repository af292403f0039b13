import type { TaskContext } from '../interfaces/task-handler.interface';
import type { TaskErrorInfo } from '../interfaces/task-record.interface';
import type { RegisteredTaskHandler } from '../task-handler.registry';
import type { TaskExecutorKind } from '../task.constants';

/** How one handler run ended, as seen by its executor. */
export type ExecutionResult =
  | { kind: 'ok'; resultJson: string }
  | { kind: 'error'; error: TaskErrorInfo }
  /** The context's signal fired and the handler was stopped (or given up on); the signal's reason says why. */
  | { kind: 'aborted' };

/** Size and use of an executor, for the monitor. */
export interface ExecutorStats {
  kind: TaskExecutorKind;
  size: number;
  busy: number;
  /** Worker threads alive (worker pool only). */
  threads?: number;
  /** Share of the pool's capacity used since it started (worker pool only). */
  utilization?: number;
}

/** Runs handlers of one executor kind. Capacity is enforced by the dispatcher, which never starts more than `size`. */
export interface TaskExecutor {
  readonly kind: TaskExecutorKind;
  readonly size: number;
  start(): Promise<void>;
  execute(handler: RegisteredTaskHandler, input: unknown, context: TaskContext): Promise<ExecutionResult>;
  stats(): ExecutorStats;
  close(): Promise<void>;
}
