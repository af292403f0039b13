import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TaskDispatcher } from '../tasks/task-dispatcher.service';
import { TaskEvents, type TaskLifecycleEvent } from '../tasks/task-events';
import { TaskHandlerRegistry } from '../tasks/task-handler.registry';
import { TaskQueryService } from '../tasks/task-query.service';
import type { TaskStore } from '../tasks/storage/task-store.interface';
import { TASK_STORE } from '../tasks/task.constants';

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/**
 * Prometheus metrics of the task system, in a registry of its own (plus Node's
 * default metrics). Counters and histograms count what happened in this
 * process; the queue gauges are read from the database at scrape time, so every
 * instance reports the whole queue.
 */
@Injectable()
export class TaskMetrics implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly submitted = this.counter('tasks_submitted_total', 'Tasks submitted through this process');
  private readonly completed = this.counter('tasks_completed_total', 'Tasks completed by this process');
  private readonly failed = this.counter('tasks_failed_total', 'Tasks that ended failed (attempts used up or a permanent error)');
  private readonly timedOut = this.counter('tasks_timed_out_total', 'Tasks that ended in status timeout');
  private readonly cancelled = this.counter('tasks_cancelled_total', 'Tasks cancelled (waiting ones through this process, running ones here)');
  private readonly retried = this.counter('tasks_retried_total', 'Retries scheduled (after an error, a timeout, a lost worker, or on request)');
  private readonly queueWait = new Histogram({
    name: 'tasks_queue_wait_seconds',
    help: 'Time from a task becoming due to its attempt starting',
    labelNames: ['task_type'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly runDuration = new Histogram({
    name: 'tasks_run_duration_seconds',
    help: 'Duration of attempts, by how they ended',
    labelNames: ['task_type', 'outcome'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private unsubscribe?: () => void;

  constructor(
    private readonly events: TaskEvents,
    dispatcher: TaskDispatcher,
    queries: TaskQueryService,
    handlers: TaskHandlerRegistry,
    @Inject(TASK_STORE) store: TaskStore,
  ) {
    // Gauges read their value at scrape time (prom-client calls `collect` with the gauge as `this`).
    new Gauge({
      name: 'tasks_queue_depth',
      help: 'Tasks waiting (pending, retrying) or running, by status and priority',
      labelNames: ['status', 'priority'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await queries.activeCounts()) this.set({ status: row.status, priority: String(row.priority) }, row.count);
      },
    });
    new Gauge({
      name: 'tasks_oldest_waiting_age_seconds',
      help: 'Age of the oldest due task that has not started (0 when none)',
      registers: [this.registry],
      async collect() {
        const oldest = await store.oldestWaiting(handlers.types(), new Date());
        this.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
      },
    });
    new Gauge({
      name: 'tasks_worker_pool_size',
      help: 'Slots of each executor of this process (worker threads, event-loop handlers)',
      labelNames: ['executor'],
      registers: [this.registry],
      collect() {
        for (const pool of dispatcher.snapshot().executors) this.set({ executor: pool.kind }, pool.size);
      },
    });
    new Gauge({
      name: 'tasks_worker_pool_busy',
      help: 'Busy slots of each executor of this process',
      labelNames: ['executor'],
      registers: [this.registry],
      collect() {
        for (const pool of dispatcher.snapshot().executors) this.set({ executor: pool.kind }, pool.busy);
      },
    });
  }

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry });
    this.unsubscribe = this.events.onLifecycle((event) => this.observe(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  private observe(event: TaskLifecycleEvent): void {
    switch (event.kind) {
      case 'submitted':
        this.submitted.inc({ task_type: event.taskType }, event.count);
        break;
      case 'started':
        this.queueWait.observe({ task_type: event.taskType }, event.waitMs / 1000);
        break;
      case 'finished':
        this.runDuration.observe({ task_type: event.taskType, outcome: event.status }, event.runMs / 1000);
        this.countEnd(event.taskType, event.status);
        break;
      case 'recovered':
        this.countEnd(event.taskType, event.status);
        break;
      case 'cancelled':
        this.cancelled.inc({ task_type: event.taskType });
        break;
      case 'requeued':
        this.retried.inc({ task_type: event.taskType });
        break;
      default:
        assertNever(event);
    }
  }

  private countEnd(taskType: string, status: string): void {
    const counter = { completed: this.completed, failed: this.failed, timeout: this.timedOut, cancelled: this.cancelled, retrying: this.retried }[status];
    counter?.inc({ task_type: taskType });
  }

  private counter(name: string, help: string): Counter<'task_type'> {
    return new Counter({ name, help, labelNames: ['task_type'], registers: [this.registry] });
  }
}

function assertNever(value: never): never {
  throw new Error(`Unexpected event ${JSON.stringify(value)}`);
}
