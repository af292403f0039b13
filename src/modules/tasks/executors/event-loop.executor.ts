import type { TaskContext } from '../interfaces/task-handler.interface';
import { toErrorInfo } from '../retry/retry-policy';
import type { RegisteredTaskHandler } from '../task-handler.registry';
import type { ExecutionResult, ExecutorStats, TaskExecutor } from './task-executor.interface';

/**
 * Runs `event-loop` handlers on the main thread. A handler cannot be stopped from
 * outside, so when its signal fires the executor stops waiting for it at once and
 * frees the slot; a well-behaved handler passes the signal on (undici, pg, timers)
 * and ends by itself soon after.
 */
export class EventLoopExecutor implements TaskExecutor {
  readonly kind = 'event-loop' as const;
  private busy = 0;

  constructor(readonly size: number) {}

  async start(): Promise<void> {}

  async execute(handler: RegisteredTaskHandler, input: unknown, context: TaskContext): Promise<ExecutionResult> {
    const { signal } = context;
    if (signal.aborted) return ABORTED;
    this.busy++;
    try {
      const returned = handler.handle!(input as never, context);
      const result = isThenable(returned) ? await untilAborted(returned, signal) : returned;
      return signal.aborted ? ABORTED : { kind: 'ok', resultJson: JSON.stringify(result ?? null) };
    } catch (error) {
      return signal.aborted ? ABORTED : { kind: 'error', error: toErrorInfo(error, context.attempt) };
    } finally {
      this.busy--;
    }
  }

  stats(): ExecutorStats {
    return { kind: this.kind, size: this.size, busy: this.busy };
  }

  async close(): Promise<void> {}
}

const ABORTED: ExecutionResult = { kind: 'aborted' };

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** The handler's promise, or `undefined` as soon as the signal fires (the caller then sees `signal.aborted`). */
function untilAborted<T>(work: PromiseLike<T>, signal: AbortSignal): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
