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
    if (signal.aborted) return { kind: 'aborted' };
    this.busy++;
    let onAbort!: () => void;
    const aborted = new Promise<ExecutionResult>((resolve) => {
      onAbort = () => resolve({ kind: 'aborted' });
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const work = (async (): Promise<ExecutionResult> => {
      try {
        const result = await handler.handle!(input as never, context);
        return { kind: 'ok', resultJson: JSON.stringify(result ?? null) };
      } catch (error) {
        return signal.aborted ? { kind: 'aborted' } : { kind: 'error', error: toErrorInfo(error, context.attempt) };
      }
    })();
    try {
      const outcome = await Promise.race([work, aborted]);
      return signal.aborted ? { kind: 'aborted' } : outcome;
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.busy--;
    }
  }

  stats(): ExecutorStats {
    return { kind: this.kind, size: this.size, busy: this.busy };
  }

  async close(): Promise<void> {}
}
