import request from 'supertest';
import type { App } from 'supertest/types';
import type { TaskRecord } from '../../src/modules/tasks';
import { waitFor } from './wait';

/** Polls `GET /tasks/:id` until the task is finished (or `statuses`) and returns it. */
export async function waitForTask(http: App, taskId: string, statuses = ['completed', 'failed', 'timeout', 'cancelled'], timeoutMs = 30_000): Promise<TaskRecord> {
  let last: TaskRecord | undefined;
  try {
    return await waitFor(async () => {
      last = (await request(http).get(`/tasks/${taskId}`).expect(200)).body as TaskRecord;
      return statuses.includes(last.status) ? last : null;
    }, `task ${taskId} to be ${statuses.join('/')}`, timeoutMs, 50);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last)?.slice(0, 2000)}`, { cause: error });
  }
}

/** Like waitForTask, and fails with the task's error when it did not complete. */
export async function completedTask<R = Record<string, unknown>>(http: App, taskId: string, timeoutMs?: number): Promise<TaskRecord<unknown, R>> {
  const task = await waitForTask(http, taskId, undefined, timeoutMs);
  if (task.status !== 'completed') throw new Error(`Task ${taskId} ended ${task.status}: ${JSON.stringify(task.error_info)}`);
  return task as TaskRecord<unknown, R>;
}
