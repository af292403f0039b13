/*
 * Entry point of every worker thread in the pool (loaded by Piscina). It runs the
 * handler module named by the request, with an AbortSignal wired to the task's
 * port, and turns whatever it throws into plain error data: errors cross the
 * thread boundary with name, message, stack and the retryable flag intact.
 */
import type { WorkerTaskContext } from '../interfaces/task-handler.interface';
import { toErrorInfo } from '../retry/retry-policy';
import type { WorkerPortMessage, WorkerTaskRequest, WorkerTaskResponse } from './worker-protocol';

type WorkerFunction = (input: unknown, context: WorkerTaskContext) => unknown;

const modules = new Map<string, WorkerFunction>();

function load(file: string): WorkerFunction {
  let fn = modules.get(file);
  if (!fn) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { default?: unknown; handle?: unknown };
    const candidate = typeof mod === 'function' ? mod : (mod.default ?? mod.handle);
    if (typeof candidate !== 'function') {
      throw new TypeError(`Worker task module ${file} must export a function (default export or "handle").`);
    }
    fn = candidate as WorkerFunction;
    modules.set(file, fn);
  }
  return fn;
}

class TaskAbortedError extends Error {
  constructor(reason: string) {
    super(`Task aborted: ${reason}`);
    this.name = 'AbortError';
  }
}

export default async function runWorkerTask(request: WorkerTaskRequest): Promise<WorkerTaskResponse> {
  const { port } = request;
  const controller = new AbortController();
  port.on('message', (message: WorkerPortMessage) => {
    if (message.type === 'abort') controller.abort(new TaskAbortedError(message.reason));
  });
  const context: WorkerTaskContext = {
    taskId: request.taskId,
    attempt: request.attempt,
    signal: controller.signal,
    reportProgress(percent: number, message?: string) {
      port.postMessage({ type: 'progress', percent, message } satisfies WorkerPortMessage);
    },
  };
  try {
    const result = await load(request.file)(request.input, context);
    return { ok: true, resultJson: JSON.stringify(result ?? null) };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error, request.attempt) };
  } finally {
    port.close();
  }
}
