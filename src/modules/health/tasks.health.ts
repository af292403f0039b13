import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { EnvironmentVariables } from '../../config/environment-variables';
import { TaskManager } from '../tasks';
import { TaskDispatcher } from '../tasks/task-dispatcher.service';

/** The event loop counts as stuck when its delay p99 over the last probe window passes this. */
const EVENT_LOOP_MAX_DELAY_MS = 2000;

/**
 * Health of the task system, for Terminus: the event loop, the migrations, the
 * dispatcher (claiming, and renewing leases recently) and the worker pool, plus
 * the queue's backlog for the detailed view.
 */
@Injectable()
export class TasksHealthIndicator {
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly dispatcher: TaskDispatcher,
    private readonly tasks: TaskManager,
    private readonly env: EnvironmentVariables,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.loopDelay.enable();
  }

  /** Up unless the event loop has been badly delayed since the previous probe. */
  eventLoop(key: string) {
    const session = this.health.check(key);
    const p99 = Math.round(this.loopDelay.percentile(99) / 1e6);
    const max = Math.round(this.loopDelay.max / 1e6);
    this.loopDelay.reset();
    const data = { delay_p99_ms: p99, delay_max_ms: max };
    return p99 > EVENT_LOOP_MAX_DELAY_MS ? session.down({ ...data, message: `event loop delay p99 ${p99} ms > ${EVENT_LOOP_MAX_DELAY_MS} ms` }) : session.up(data);
  }

  /** Down while migrations are pending (a half-upgraded schema must not take traffic). */
  migrations(key: string) {
    return this.health.check(key).attempt(async () => {
      if (await this.dataSource.showMigrations()) throw new Error('migrations are pending');
      return { applied: this.dataSource.migrations.length };
    }).withTimeout(3000);
  }

  /** For a worker process: the dispatcher runs and renewed its leases recently. */
  dispatcherAlive(key: string) {
    const session = this.health.check(key);
    if (!this.env.TASK_WORKER_ENABLED) return session.up({ role: 'api-only' });
    if (!this.dispatcher.isRunning) return session.down({ message: 'the dispatcher is not running' });
    const last = this.dispatcher.lastHeartbeat;
    const maxAgeMs = 3 * this.env.TASK_HEARTBEAT_INTERVAL_MS + 1000;
    const ageMs = last ? Date.now() - last.getTime() : null;
    if (ageMs === null || ageMs > maxAgeMs) {
      return session.down({ message: `no lease heartbeat for ${ageMs === null ? 'ever' : `${ageMs} ms`} (limit ${maxAgeMs} ms)`, worker_id: this.dispatcher.workerId });
    }
    return session.up({ worker_id: this.dispatcher.workerId, last_heartbeat_ms_ago: ageMs });
  }

  /** For a worker process: the worker-thread pool has live threads. */
  workerPool(key: string) {
    const session = this.health.check(key);
    const pools = this.dispatcher.snapshot().executors;
    const pool = pools.find((p) => p.kind === 'worker');
    if (!this.dispatcher.isRunning || !pool || pool.threads === undefined) return session.up({ role: this.env.TASK_WORKER_ENABLED ? 'no worker handlers' : 'api-only' });
    if (this.dispatcher.hasWorkerHandlers && pool.threads === 0) return session.down({ message: 'the worker-thread pool has no live threads', size: pool.size });
    return session.up({ size: pool.size, threads: pool.threads, busy: pool.busy, event_loop_slots: pools.find((p) => p.kind === 'event-loop')?.size });
  }

  /** Backlog and age of the oldest due task (informative: never down). */
  queue(key: string) {
    return this.health.check(key).attempt(async () => {
      const stats = await this.tasks.statistics();
      return {
        backlog: stats.queue.depth,
        running: stats.running_tasks,
        oldest_waiting_age_seconds: stats.queue.oldest_waiting_age_seconds,
      };
    }).withTimeout(5000);
  }
}
