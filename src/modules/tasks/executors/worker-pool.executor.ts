import { extname, join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { TaskContext } from '../interfaces/task-handler.interface';
import { toErrorInfo } from '../retry/retry-policy';
import type { RegisteredTaskHandler } from '../task-handler.registry';
import type { ExecutionResult, ExecutorStats, TaskExecutor } from './task-executor.interface';
import type { WorkerPortMessage, WorkerTaskRequest, WorkerTaskResponse } from './worker-protocol';

/** The thread entry sits beside this file; from the sources (tests) it is TypeScript, loaded through tsx. */
const WORKER_ENTRY = join(__dirname, `task-worker${extname(__filename)}`);

export interface WorkerPoolOptions {
  size: number;
  /** Time between the cooperative abort message and terminating the thread. */
  abortGraceMs: number;
  /** Heap limit per thread (MB); a thread over it dies and its task fails. */
  maxOldGenerationSizeMb?: number;
}

/**
 * Runs `worker` handlers on a Piscina pool of worker threads. Stopping a task is
 * two-phase: its signal fires inside the thread first (a cooperative handler
 * returns), and after the grace period the thread is terminated; Piscina then
 * starts a fresh one, so the pool keeps its size.
 */
export class WorkerPoolExecutor implements TaskExecutor {
  readonly kind = 'worker' as const;
  readonly size: number;
  private pool?: Piscina;
  private busy = 0;

  constructor(private readonly options: WorkerPoolOptions) {
    this.size = options.size;
  }

  async start(): Promise<void> {
    const execArgv = WORKER_ENTRY.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [];
    this.pool = new Piscina({
      filename: WORKER_ENTRY,
      minThreads: this.size,
      maxThreads: this.size,
      idleTimeout: Infinity,
      execArgv,
      resourceLimits: this.options.maxOldGenerationSizeMb ? { maxOldGenerationSizeMb: this.options.maxOldGenerationSizeMb } : undefined,
    });
  }

  async execute(handler: RegisteredTaskHandler, input: unknown, context: TaskContext): Promise<ExecutionResult> {
    const pool = this.pool;
    if (!pool) throw new Error('WorkerPoolExecutor.execute() called before start()');
    const { signal } = context;
    if (signal.aborted) return { kind: 'aborted' };
    this.busy++;
    const { port1, port2 } = new MessageChannel();
    const terminate = new AbortController();
    let grace: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
      port1.postMessage({ type: 'abort', reason } satisfies WorkerPortMessage);
      grace = setTimeout(() => terminate.abort(signal.reason), this.options.abortGraceMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    port1.on('message', (message: WorkerPortMessage) => {
      if (message.type === 'progress') context.reportProgress(message.percent, message.message);
    });
    try {
      const request: WorkerTaskRequest = { file: handler.file!, input, taskId: context.taskId, attempt: context.attempt, port: port2 };
      const response = (await pool.run(request, { transferList: [port2], signal: terminate.signal })) as WorkerTaskResponse;
      if (signal.aborted) return { kind: 'aborted' };
      return response.ok ? { kind: 'ok', resultJson: response.resultJson } : { kind: 'error', error: response.error };
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' };
      // The thread died under the task (out of memory, process.exit in the handler, …).
      return { kind: 'error', error: { ...toErrorInfo(error, context.attempt), retryable: false } };
    } finally {
      clearTimeout(grace);
      signal.removeEventListener('abort', onAbort);
      port1.close();
      this.busy--;
    }
  }

  stats(): ExecutorStats {
    return {
      kind: this.kind,
      size: this.size,
      busy: this.busy,
      threads: this.pool?.threads.length ?? 0,
      utilization: this.pool ? Number(this.pool.utilization.toFixed(4)) : 0,
    };
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }
}
