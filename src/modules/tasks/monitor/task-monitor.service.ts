import { Inject, Injectable } from '@nestjs/common';
import type { TaskErrorInfo } from '../interfaces/task-record.interface';
import type { TaskStore } from '../storage/task-store.interface';
import { TASK_STATUSES, TASK_STORE, TaskStatus } from '../task.constants';
import { TaskDispatcher, type RunningTaskInfo } from '../task-dispatcher.service';
import { TaskHandlerRegistry } from '../task-handler.registry';
import { TaskQueryService } from '../task-query.service';
import { summarize, type DurationSummary } from './percentiles';

/** Size of the recent-finished-tasks sample behind percentiles and top errors. */
const SAMPLE_SIZE = 1000;

/** What `GET /tasks/statistics` returns. The seed's flat fields come first; the detail follows. */
export interface TaskStatistics {
  total_tasks: number;
  success_count: number;
  failure_count: number;
  /** completed / (completed + failed + timeout), in percent. */
  success_rate: number;
  /** Seconds, over the recent sample. */
  avg_execution_time: number | null;
  uptime_seconds: number;
  top_errors: Array<{ name: string; message: string; count: number }>;
  running_tasks: number;
  cpu_workers: number;
  io_workers: number;
  generated_at: string;
  by_status: Record<TaskStatus, number>;
  by_type: Record<string, { total: number; by_status: Partial<Record<TaskStatus, number>> }>;
  queue: {
    depth: number;
    due_oldest_run_at: string | null;
    oldest_waiting_age_seconds: number | null;
  };
  execution_time_ms: DurationSummary;
  queue_wait_ms: DurationSummary;
  throughput: {
    last_minute: { finished: number; completed: number; per_second: number };
    last_hour: { finished: number; completed: number; per_second: number };
  };
  instance: {
    worker_id: string;
    dispatcher_running: boolean;
    running: RunningTaskInfo[];
    pools: Array<{ kind: string; size: number; busy: number; threads?: number; utilization?: number }>;
    unwritten_outcomes: number;
    /** Tasks leased to this instance that wait here for a slot (claimed ahead while tasks run short). */
    claimed_ahead: number;
  };
}

/** Builds the statistics from the database (shared by all instances) and this process's live state. */
@Injectable()
export class TaskMonitor {
  private readonly startedAt = Date.now();

  constructor(
    private readonly queries: TaskQueryService,
    private readonly dispatcher: TaskDispatcher,
    private readonly registry: TaskHandlerRegistry,
    @Inject(TASK_STORE) private readonly store: TaskStore,
  ) {}

  async statistics(): Promise<TaskStatistics> {
    const now = new Date();
    const [counts, recent, lastMinute, lastHour, oldest] = await Promise.all([
      this.queries.countsByTypeAndStatus(),
      this.queries.recentFinished(SAMPLE_SIZE),
      this.queries.finishedSince(new Date(now.getTime() - 60_000)),
      this.queries.finishedSince(new Date(now.getTime() - 3_600_000)),
      this.store.oldestWaiting(this.registry.types(), now),
    ]);

    const byStatus = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    const byType: TaskStatistics['by_type'] = {};
    for (const { taskType, status, count } of counts) {
      byStatus[status] = (byStatus[status] ?? 0) + count;
      const entry = (byType[taskType] ??= { total: 0, by_status: {} });
      entry.total += count;
      entry.by_status[status] = count;
    }
    const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
    const failures = byStatus.failed + byStatus.timeout;
    const settled = byStatus.completed + failures;

    const runTimes: number[] = [];
    const waits: number[] = [];
    const errors = new Map<string, { name: string; message: string; count: number }>();
    for (const task of recent) {
      if (task.startedAt) {
        waits.push(Math.max(0, task.startedAt.getTime() - task.runAt.getTime()));
        if (task.status !== 'cancelled') runTimes.push(Math.max(0, task.completedAt.getTime() - task.startedAt.getTime()));
      }
      if ((task.status === 'failed' || task.status === 'timeout') && task.errorInfo) {
        const error = task.errorInfo as TaskErrorInfo;
        const key = `${error.name}\u0000${error.message}`;
        const entry = errors.get(key) ?? { name: error.name, message: error.message, count: 0 };
        entry.count++;
        errors.set(key, entry);
      }
    }
    const execution = summarize(runTimes);
    const live = this.dispatcher.snapshot();
    const pool = (kind: string) => live.executors.find((e) => e.kind === kind)?.size ?? 0;
    const rate = (finished: Record<string, number>, seconds: number) => {
      const all = Object.values(finished).reduce((a, b) => a + b, 0);
      return { finished: all, completed: finished.completed ?? 0, per_second: Math.round((all / seconds) * 100) / 100 };
    };

    return {
      total_tasks: total,
      success_count: byStatus.completed,
      failure_count: failures,
      success_rate: settled === 0 ? 0 : Math.round((byStatus.completed / settled) * 10000) / 100,
      avg_execution_time: execution.avg === null ? null : Math.round(execution.avg) / 1000,
      uptime_seconds: Math.floor((now.getTime() - this.startedAt) / 1000),
      top_errors: [...errors.values()].sort((a, b) => b.count - a.count).slice(0, 5),
      running_tasks: byStatus.running,
      cpu_workers: pool('worker'),
      io_workers: pool('event-loop'),
      generated_at: now.toISOString(),
      by_status: byStatus,
      by_type: byType,
      queue: {
        depth: byStatus.pending + byStatus.retrying,
        due_oldest_run_at: oldest ? oldest.toISOString() : null,
        oldest_waiting_age_seconds: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 100) / 10) : null,
      },
      execution_time_ms: execution,
      queue_wait_ms: summarize(waits),
      throughput: { last_minute: rate(lastMinute, 60), last_hour: rate(lastHour, 3600) },
      instance: {
        worker_id: this.dispatcher.workerId,
        dispatcher_running: this.dispatcher.isRunning,
        running: live.running,
        pools: live.executors,
        unwritten_outcomes: live.unwrittenOutcomes,
        claimed_ahead: live.claimedAhead,
      },
    };
  }
}
