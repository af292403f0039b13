import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TaskAttempt, TaskErrorInfo } from '../interfaces/task-record.interface';
import type { TaskStatus } from '../task.constants';

/**
 * One row per task. The schema itself is written by the migrations (one per
 * dialect, `src/database/migrations`); this entity maps it for the repository and
 * the query builder. The dispatcher's hot path (claim, heartbeat, completion) is
 * hand-written SQL in `storage/`.
 *
 * Column types are the portable ones TypeORM knows on both dialects; on
 * PostgreSQL the migrations use `uuid`, `timestamptz` and `jsonb`. The indexes
 * (partial, so TypeORM cannot express them) are in the migrations too.
 */
@Entity({ name: 'tasks' })
export class TaskEntity {
  @PrimaryColumn({ name: 'task_id', type: 'uuid' })
  taskId: string;

  @Column({ name: 'task_type', type: 'varchar', length: 100 })
  taskType: string;

  @Column({ type: 'varchar', length: 16 })
  status: TaskStatus;

  @Column({ type: 'smallint' })
  priority: number;

  @Column({ name: 'run_at', type: Date })
  runAt: Date;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;

  @Column({ name: 'started_at', type: Date, nullable: true })
  startedAt: Date | null;

  @Column({ name: 'completed_at', type: Date, nullable: true })
  completedAt: Date | null;

  @Column({ name: 'input_data', type: 'simple-json' })
  inputData: unknown;

  @Column({ name: 'result_data', type: 'simple-json', nullable: true })
  resultData: unknown;

  @Column({ name: 'error_info', type: 'simple-json', nullable: true })
  errorInfo: TaskErrorInfo | null;

  @Column({ name: 'retry_count', type: 'integer', default: 0 })
  retryCount: number;

  @Column({ name: 'max_retries', type: 'integer' })
  maxRetries: number;

  @Column({ name: 'timeout_seconds', type: 'integer' })
  timeoutSeconds: number;

  @Column({ type: 'simple-json' })
  metadata: Record<string, unknown>;

  @Column({ type: 'smallint', default: 0 })
  progress: number;

  @Column({ name: 'progress_message', type: 'text', nullable: true })
  progressMessage: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey: string | null;

  /** Attempts started so far; also the fencing token of the running attempt. */
  @Column({ type: 'integer', default: 0 })
  attempt: number;

  /** Attempts that ended otherwise than completed; a completed row is itself the record of its last attempt. */
  @Column({ name: 'attempt_history', type: 'simple-json' })
  attemptHistory: TaskAttempt[];

  /** The instance holding the task while it runs; on a completed row, the one that completed it. */
  @Column({ name: 'locked_by', type: 'varchar', length: 128, nullable: true })
  lockedBy: string | null;

  @Column({ name: 'locked_until', type: Date, nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'cancel_requested_at', type: Date, nullable: true })
  cancelRequestedAt: Date | null;
}
