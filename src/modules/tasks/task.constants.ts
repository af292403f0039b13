/** Task statuses (seed names). `completed`, `failed`, `cancelled` and `timeout` are terminal. */
export const TaskStatus = {
  Pending: 'pending',
  Running: 'running',
  Completed: 'completed',
  Failed: 'failed',
  Retrying: 'retrying',
  Cancelled: 'cancelled',
  Timeout: 'timeout',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];
export const TASK_STATUSES: readonly TaskStatus[] = Object.values(TaskStatus);
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled', 'timeout'];
export const WAITING_STATUSES: readonly TaskStatus[] = ['pending', 'retrying'];

/** Priorities (seed values). Higher runs first. */
export const TaskPriority = { LOW: 1, NORMAL: 5, HIGH: 10, URGENT: 20 } as const;
export type TaskPriority = (typeof TaskPriority)[keyof typeof TaskPriority];
/** Every priority level, most urgent first: the claim walks them in this order. */
export const TASK_PRIORITIES: readonly TaskPriority[] = [20, 10, 5, 1];

/** Where a handler runs. */
export type TaskExecutorKind = 'worker' | 'event-loop';

/** Metadata key of `@TaskHandler`. */
export const TASK_HANDLER_METADATA = 'tasks:handler';

/** Injection token of the `TasksModule` options. */
export const TASKS_MODULE_OPTIONS = 'TASKS_MODULE_OPTIONS';

/** Injection token of the storage strategy (`TaskStore`). */
export const TASK_STORE = 'TASK_STORE';

/** Injection token of the cross-process notifier (`TaskNotifier`). */
export const TASK_NOTIFIER = 'TASK_NOTIFIER';

/** Injection token of this process's worker id (`locked_by` of the tasks it holds). */
export const TASK_WORKER_ID = 'TASK_WORKER_ID';

/** LISTEN/NOTIFY channel announcing new due tasks. */
export const NEW_TASK_CHANNEL = 'tasks_new';
/** LISTEN/NOTIFY channel announcing a cancel request for a running task. */
export const CANCEL_TASK_CHANNEL = 'tasks_cancel';
