import type { MessagePort } from 'node:worker_threads';
import type { TaskErrorInfo } from '../interfaces/task-record.interface';

/** What the main thread sends to `task-worker` for one task. */
export interface WorkerTaskRequest {
  /** Module whose default export (or `handle` export) is run. */
  file: string;
  input: unknown;
  taskId: string;
  attempt: number;
  /** Channel for progress (thread → main) and abort (main → thread). */
  port: MessagePort;
}

/** What the thread sends back: the result as JSON text (serialised off the main thread) or the error. */
export type WorkerTaskResponse = { ok: true; resultJson: string } | { ok: false; error: TaskErrorInfo };

/** Messages on the task's port. */
export type WorkerPortMessage =
  | { type: 'progress'; percent: number; message?: string }
  | { type: 'abort'; reason: string };
