import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { TaskAttempt, TaskErrorInfo, TaskRecord } from '../interfaces/task-record.interface';
import { TASK_STATUSES, type TaskStatus } from '../task.constants';

export class TaskErrorInfoDto implements TaskErrorInfo {
  @ApiProperty({ example: 'RetryableTaskError' }) name: string;
  @ApiProperty({ example: 'upstream answered 503' }) message: string;
  @ApiPropertyOptional({ example: 'RetryableTaskError: upstream answered 503\n    at …' }) stack?: string;
  @ApiProperty({ description: 'Whether the error was considered transient', example: true }) retryable: boolean;
  @ApiPropertyOptional({ example: 'ECONNRESET' }) code?: string;
  @ApiPropertyOptional({ example: 2 }) attempt?: number;
  @ApiPropertyOptional({ example: '2026-11-27T10:00:03.120Z' }) occurred_at?: string;
}

export class TaskAttemptDto implements TaskAttempt {
  @ApiProperty({ example: 1 }) attempt: number;
  @ApiProperty({ nullable: true, example: '2026-11-27T10:00:01.004Z' }) started_at: string | null;
  @ApiProperty({ example: '2026-11-27T10:00:01.250Z' }) ended_at: string;
  @ApiProperty({ enum: ['completed', 'failed', 'timeout', 'cancelled', 'lost', 'released'], example: 'failed' })
  outcome: TaskAttempt['outcome'];
  @ApiPropertyOptional({ nullable: true, example: 'api-1:4242:9f1c2a' }) worker?: string | null;
  @ApiPropertyOptional({ nullable: true, example: { name: 'RetryableTaskError', message: 'upstream answered 503' } })
  error?: { name: string; message: string } | null;
}

/** A task, with the seed's field names. */
export class TaskDto implements TaskRecord {
  @ApiProperty({ format: 'uuid', example: '019abf4e-8a3c-7d21-9a51-5e0c7d7b1f00' }) task_id: string;
  @ApiProperty({ example: 'document_analysis' }) task_type: string;
  @ApiProperty({ enum: TASK_STATUSES, example: 'completed' }) status: TaskStatus;
  @ApiProperty({ enum: [1, 5, 10, 20], description: 'LOW=1, NORMAL=5, HIGH=10, URGENT=20', example: 5 }) priority: number;
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) created_at: string;
  @ApiProperty({ example: '2026-11-27T10:00:01.250Z' }) updated_at: string;
  @ApiProperty({ description: 'Earliest time the next attempt may start', example: '2026-11-27T10:00:00.000Z' }) run_at: string;
  @ApiProperty({ nullable: true, example: '2026-11-27T10:00:00.004Z' }) started_at: string | null;
  @ApiProperty({ nullable: true, example: '2026-11-27T10:00:01.250Z' }) completed_at: string | null;
  @ApiProperty({ description: 'Input of the task', example: { document_id: '7a0d…' } }) input_data: unknown;
  @ApiProperty({ nullable: true, description: 'Result of the last successful attempt', example: { path_count: 14 } }) result_data: unknown;
  @ApiProperty({ nullable: true, type: TaskErrorInfoDto, description: 'The last error (kept after a successful retry)' })
  error_info: TaskErrorInfoDto | null;
  @ApiProperty({ example: 0 }) retry_count: number;
  @ApiProperty({ example: 3 }) max_retries: number;
  @ApiProperty({ example: 300 }) timeout_seconds: number;
  @ApiProperty({ example: { source: 'api' } }) metadata: Record<string, unknown>;
  @ApiProperty({ minimum: 0, maximum: 100, example: 100 }) progress: number;
  @ApiProperty({ nullable: true, example: 'linting' }) progress_message: string | null;
  @ApiProperty({ nullable: true, example: null }) idempotency_key: string | null;
  @ApiProperty({ description: 'Attempts started so far', example: 1 }) attempt: number;
  @ApiProperty({ type: [TaskAttemptDto] }) attempt_history: TaskAttemptDto[];
  @ApiProperty({ nullable: true, description: 'Instance holding the task while it runs', example: null }) locked_by: string | null;
  @ApiProperty({ nullable: true, description: 'End of the holder\u2019s lease', example: null }) locked_until: string | null;
  @ApiProperty({ nullable: true, example: null }) cancel_requested_at: string | null;
}

export class TaskPageDto {
  @ApiProperty({ type: [TaskDto], description: 'Tasks, newest first (input_data, result_data and attempt_history included)' })
  items: TaskDto[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}
