import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while a task runs carries. */
export interface TaskLogFields {
  task_id: string;
  task_type: string;
  attempt: number;
}

/**
 * The task a piece of code runs for. The dispatcher runs each handler inside
 * `taskLogContext.run(…)`; the logger's mixin adds the fields to every line
 * written in that async context, whoever writes it.
 */
export const taskLogContext = new AsyncLocalStorage<TaskLogFields>();
