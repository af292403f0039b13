import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TaskEntity } from './entities/task.entity';
import type { TaskAttempt, TaskRecord } from './interfaces/task-record.interface';
import { TaskStatus, TERMINAL_STATUSES } from './task.constants';
import { statusListSql } from './task-state-machine';

/** Filters of `TaskManager.list`. */
export interface TaskListFilter {
  taskType?: string;
  status?: TaskStatus;
  limit?: number;
  offset?: number;
}

/** One page of tasks. */
export interface TaskPage {
  items: TaskRecord[];
  total: number;
  limit: number;
  offset: number;
}

/** A finished task as the monitor samples it. */
export interface FinishedSample {
  taskType: string;
  status: TaskStatus;
  runAt: Date;
  startedAt: Date | null;
  completedAt: Date;
  errorInfo: TaskRecord['error_info'];
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * Every attempt of a task: the stored history holds the attempts that ended
 * otherwise than completed; a completed row records its last attempt itself
 * (attempt, started_at, completed_at and the worker left in locked_by), so that
 * the hot path writes no history entry for a success.
 */
function attemptsOf(e: TaskEntity): TaskAttempt[] {
  const history = e.attemptHistory ?? [];
  if (e.status !== TaskStatus.Completed || !e.completedAt || history.some((a) => a.attempt === e.attempt)) return history;
  return [...history, { attempt: e.attempt, started_at: iso(e.startedAt), ended_at: e.completedAt.toISOString(), outcome: 'completed', worker: e.lockedBy, error: null }];
}

/** Maps a row to the public record (seed field names, ISO times). */
export function toTaskRecord(e: TaskEntity): TaskRecord {
  return {
    task_id: e.taskId,
    task_type: e.taskType,
    status: e.status,
    priority: e.priority,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
    run_at: e.runAt.toISOString(),
    started_at: iso(e.startedAt),
    completed_at: iso(e.completedAt),
    input_data: e.inputData ?? null,
    result_data: e.resultData ?? null,
    error_info: e.errorInfo ?? null,
    retry_count: e.retryCount,
    max_retries: e.maxRetries,
    timeout_seconds: e.timeoutSeconds,
    metadata: e.metadata ?? {},
    progress: e.progress,
    progress_message: e.progressMessage,
    idempotency_key: e.idempotencyKey,
    attempt: e.attempt,
    attempt_history: attemptsOf(e),
    // Only a running task is held; a completed row keeps its last worker for attemptsOf.
    locked_by: e.status === TaskStatus.Running ? e.lockedBy : null,
    locked_until: iso(e.lockedUntil),
    cancel_requested_at: iso(e.cancelRequestedAt),
  };
}

/**
 * Reads for the API and the monitor, through the TypeORM repository (portable
 * across both dialects; none of this is on the dispatcher's hot path).
 */
@Injectable()
export class TaskQueryService {
  constructor(@InjectRepository(TaskEntity) private readonly tasks: Repository<TaskEntity>) {}

  async get(taskId: string): Promise<TaskRecord | null> {
    const entity = await this.tasks.findOne({ where: { taskId } });
    return entity ? toTaskRecord(entity) : null;
  }

  /** Newest first (task ids are UUIDv7, so id order is submission order). */
  async list(filter: TaskListFilter): Promise<TaskPage> {
    const limit = filter.limit ?? 50;
    const offset = filter.offset ?? 0;
    const where = {
      ...(filter.taskType ? { taskType: filter.taskType } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    };
    const [entities, total] = await this.tasks.findAndCount({ where, order: { taskId: 'DESC' }, take: limit, skip: offset });
    return { items: entities.map(toTaskRecord), total, limit, offset };
  }

  /** Task counts by type and status. */
  async countsByTypeAndStatus(): Promise<Array<{ taskType: string; status: TaskStatus; count: number }>> {
    const rows = await this.tasks
      .createQueryBuilder('t')
      .select('t.task_type', 'task_type')
      .addSelect('t.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .groupBy('t.task_type')
      .addGroupBy('t.status')
      .getRawMany<{ task_type: string; status: TaskStatus; count: string | number }>();
    return rows.map((r) => ({ taskType: r.task_type, status: r.status, count: Number(r.count) }));
  }

  /** The most recently finished tasks (served by the finished-tasks index). */
  async recentFinished(limit: number): Promise<FinishedSample[]> {
    const rows = await this.tasks
      .createQueryBuilder('t')
      .select(['t.taskType', 't.status', 't.runAt', 't.startedAt', 't.completedAt', 't.errorInfo'])
      .where(`t.status IN ${statusListSql(TERMINAL_STATUSES)}`)
      .andWhere('t.completed_at IS NOT NULL')
      .orderBy('t.completedAt', 'DESC')
      .limit(limit)
      .getMany();
    return rows.map((r) => ({
      taskType: r.taskType,
      status: r.status,
      runAt: r.runAt,
      startedAt: r.startedAt,
      completedAt: r.completedAt!,
      errorInfo: r.errorInfo,
    }));
  }

  /** Tasks waiting or running, by status and priority (the queue-depth gauge). */
  async activeCounts(): Promise<Array<{ status: TaskStatus; priority: number; count: number }>> {
    const rows = await this.tasks
      .createQueryBuilder('t')
      .select('t.status', 'status')
      .addSelect('t.priority', 'priority')
      .addSelect('COUNT(*)', 'count')
      .where(`t.status IN ${statusListSql(['pending', 'retrying', 'running'])}`)
      .groupBy('t.status')
      .addGroupBy('t.priority')
      .getRawMany<{ status: TaskStatus; priority: number | string; count: number | string }>();
    return rows.map((r) => ({ status: r.status, priority: Number(r.priority), count: Number(r.count) }));
  }

  /** How many tasks finished (any terminal status) since `since`, by status. */
  async finishedSince(since: Date): Promise<Record<string, number>> {
    const rows = await this.tasks
      .createQueryBuilder('t')
      .select('t.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .where(`t.status IN ${statusListSql(TERMINAL_STATUSES)}`)
      .andWhere('t.completed_at >= :since', { since: this.tasks.manager.connection.options.type === 'postgres' ? since : since.toISOString() })
      .groupBy('t.status')
      .getRawMany<{ status: string; count: string | number }>();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
  }
}
