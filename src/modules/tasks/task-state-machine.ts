import { TaskStatus } from './task.constants';

/** A status change the engine may make, and the statuses it may start from. */
export interface TaskTransition {
  readonly from: readonly TaskStatus[];
  readonly to: TaskStatus;
}

/**
 * The task lifecycle, in one place. Every store method that changes a status
 * writes a guarded `UPDATE … WHERE status IN (<from>)` built from this table and
 * checks how many rows it touched, so two instances can never both win.
 *
 * ```
 * pending ──claim──▶ running ──complete──▶ completed
 *    ▲                 │ ├──fail────────▶ failed ──┐
 *    │                 │ ├──timeOut─────▶ timeout ─┤ retry (manual)
 *    │                 │ ├──cancelRunning▶ cancelled┤
 *    │◀──release───────┘ └──scheduleRetry▶ retrying │
 *    │                                      │claim  │
 *    └──────────────────────────────────────┴───────┘
 * pending/retrying ──cancelWaiting──▶ cancelled
 * ```
 */
export const TASK_TRANSITIONS = {
  claim: { from: ['pending', 'retrying'], to: 'running' },
  complete: { from: ['running'], to: 'completed' },
  fail: { from: ['running'], to: 'failed' },
  timeOut: { from: ['running'], to: 'timeout' },
  scheduleRetry: { from: ['running'], to: 'retrying' },
  cancelRunning: { from: ['running'], to: 'cancelled' },
  cancelWaiting: { from: ['pending', 'retrying'], to: 'cancelled' },
  /** Shutdown hands an unfinished task back to the queue without counting the attempt as a failure. */
  release: { from: ['running'], to: 'pending' },
  /** A user asks a finished-but-unsuccessful task to run again. */
  retry: { from: ['failed', 'timeout', 'cancelled'], to: 'pending' },
} as const satisfies Record<string, TaskTransition>;

export type TaskTransitionName = keyof typeof TASK_TRANSITIONS;

/** Whether `transition` may start from `status`. */
export function canTransition(transition: TaskTransitionName, status: TaskStatus): boolean {
  return (TASK_TRANSITIONS[transition].from as readonly TaskStatus[]).includes(status);
}

/** The `from` statuses of a transition as an SQL list literal, e.g. `('pending','retrying')`. */
export function fromStatusesSql(transition: TaskTransitionName): string {
  return `(${TASK_TRANSITIONS[transition].from.map((s) => `'${s}'`).join(',')})`;
}

/** An SQL list literal of statuses. */
export function statusListSql(statuses: readonly TaskStatus[]): string {
  return `(${statuses.map((s) => `'${s}'`).join(',')})`;
}
