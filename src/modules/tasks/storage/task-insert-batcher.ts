import { Logger } from '@nestjs/common';
import type { TaskNotifier } from './task-notifier.interface';
import type { InsertResult, NewTaskRow, TaskStore } from './task-store.interface';

interface Pending {
  row: NewTaskRow;
  resolve: (result: InsertResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for submits. Concurrent submits are coalesced into one
 * multi-row INSERT: while `concurrency` inserts are in flight, new rows wait and
 * go together in the next one. A lone submit is written at once, without any
 * timer; each caller gets its id only after its row is committed, and a failed
 * insert rejects every caller of that batch (nothing is silently dropped).
 */
export class TaskInsertBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly logger = new Logger('TaskInsertBatcher');

  constructor(
    private readonly store: TaskStore,
    private readonly notifier: TaskNotifier,
    private readonly concurrency: number,
    private readonly maxBatch = 1000,
  ) {}

  add(row: NewTaskRow): Promise<InsertResult> {
    return new Promise<InsertResult>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      this.send(this.queue.splice(0, this.maxBatch));
    }
  }

  /**
   * Writes one batch. Every caller of the batch is settled and the slot is freed whatever
   * throws on the way (the notifier, the store before its promise, a short result).
   */
  private send(batch: Pending[]): void {
    this.inFlight++;
    // Other processes learn of the new rows from a NOTIFY in the insert itself, or from a trailing one
    // (not for rows the local dispatcher took at submit: nobody else can run them).
    const queued = batch.some((p) => !p.row.directClaim);
    this.write(batch, queued)
      .then(
        ({ results, notified }) => {
          batch.forEach((p, i) => p.resolve(results[i]));
          if (queued && !notified) this.notifyNewTasks();
        },
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      )
      .finally(() => {
        // The callers of a batch of several submit again as soon as they are resolved, a few
        // promise turns apart: the slot stays taken until they have (the end of this turn of the
        // event loop), so that their rows go out together instead of the first one alone.
        // A batch of one (a lone caller) frees its slot at once: no added latency.
        const release = () => {
          this.inFlight--;
          this.pump();
        };
        if (batch.length > 1) setImmediate(release);
        else release();
      });
  }

  /** Inserts the batch; `notified`: the insert carried the NOTIFY itself. */
  private async write(batch: Pending[], queued: boolean): Promise<{ results: InsertResult[]; notified: boolean }> {
    const inline = queued ? this.notifier.takeInlineNotification() : null;
    const results = await this.store.insert(
      batch.map((p) => p.row),
      inline,
    );
    if (results.length !== batch.length) throw new Error(`Task insert returned ${results.length} results for ${batch.length} rows`);
    return { results, notified: inline !== null };
  }

  /** The rows are committed and their callers resolved: a failed wake-up only delays other instances (they poll). */
  private notifyNewTasks(): void {
    try {
      this.notifier.notifyNewTasks();
    } catch (error) {
      this.logger.warn(`Could not announce new tasks to other instances: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
