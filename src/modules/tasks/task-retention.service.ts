import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { TasksModuleOptions } from './interfaces/tasks-module-options.interface';
import type { PurgeRequest, TaskStore } from './storage/task-store.interface';
import { TASK_STORE, TASKS_MODULE_OPTIONS } from './task.constants';

/** Name of the retention job in the `SchedulerRegistry`. */
export const RETENTION_JOB = 'tasks-retention';

/** What one purge deleted. */
export interface PurgeReport {
  /** Completed and cancelled tasks older than `TASK_CLEANUP_DAYS`. */
  completedOrCancelled: number;
  /** Failed and timed-out tasks older than `TASK_FAILED_CLEANUP_DAYS`. */
  failedOrTimedOut: number;
  /** Delete statements run. */
  batches: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Retention: deletes finished tasks (with their attempt history, which lives on
 * the row) once they are old enough — completed and cancelled after
 * `TASK_CLEANUP_DAYS`, failed and timed out after `TASK_FAILED_CLEANUP_DAYS` —
 * on a cron schedule (`TASK_CLEANUP_CRON`, hourly by default). It deletes in
 * batches of `TASK_CLEANUP_BATCH_SIZE`, one short statement each, never loading
 * rows; only one instance purges at a time.
 */
@Injectable()
export class TaskRetentionService implements OnApplicationBootstrap {
  private readonly logger = new Logger('TaskRetention');

  constructor(
    @Inject(TASK_STORE) private readonly store: TaskStore,
    @Inject(TASKS_MODULE_OPTIONS) private readonly options: TasksModuleOptions,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const job = CronJob.from({ cronTime: this.options.cleanupCron, onTick: () => void this.purge(), start: true, unrefTimeout: true });
    this.scheduler.addCronJob(RETENTION_JOB, job);
  }

  /** Runs one purge now. Returns undefined when another instance is purging. */
  async purge(now = new Date()): Promise<PurgeReport | undefined> {
    try {
      const report = await this.store.withPurgeLock(async () => {
        const batches = { count: 0 };
        const completedOrCancelled = await this.purgeAll(
          { statuses: ['completed', 'cancelled'], finishedBefore: new Date(now.getTime() - this.options.cleanupDays * DAY_MS), limit: this.options.cleanupBatchSize },
          batches,
        );
        const failedOrTimedOut = await this.purgeAll(
          { statuses: ['failed', 'timeout'], finishedBefore: new Date(now.getTime() - this.options.failedCleanupDays * DAY_MS), limit: this.options.cleanupBatchSize },
          batches,
        );
        return { completedOrCancelled, failedOrTimedOut, batches: batches.count };
      });
      if (!report) {
        this.logger.log('Retention skipped: another instance is purging');
        return undefined;
      }
      this.logger.log(
        `Retention deleted ${report.completedOrCancelled} completed/cancelled and ${report.failedOrTimedOut} failed/timed-out task(s) in ${report.batches} batch(es)`,
      );
      return report;
    } catch (error) {
      this.logger.error(`Retention failed: ${(error as Error).message}`);
      throw error;
    }
  }

  private async purgeAll(request: PurgeRequest, batches: { count: number }): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.store.purgeFinished(request);
      batches.count++;
      total += deleted;
      if (deleted < request.limit) return total;
    }
  }
}
