import { TaskStatus } from '../task.constants';

const PAST = { cancel: 'cancelled', retry: 'retried' } as const;

/** The requested change is not allowed from the task's current status (HTTP 409). */
export class TaskStateConflictError extends Error {
  constructor(
    readonly taskId: string,
    readonly action: keyof typeof PAST,
    readonly status: TaskStatus,
    allowedFrom: readonly TaskStatus[],
  ) {
    super(`Cannot ${action} task ${taskId}: it is ${status}; only ${allowedFrom.join(', ')} tasks can be ${PAST[action]}.`);
    this.name = 'TaskStateConflictError';
  }
}
