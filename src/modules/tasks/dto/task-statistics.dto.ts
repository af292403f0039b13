import { ApiProperty } from '@nestjs/swagger';

/** Schema of `GET /tasks/statistics` for the API documentation (see `TaskStatistics`). */
export class TaskStatisticsDto {
  @ApiProperty({ example: 1200 }) total_tasks: number;
  @ApiProperty({ example: 1150 }) success_count: number;
  @ApiProperty({ description: 'failed + timeout', example: 12 }) failure_count: number;
  @ApiProperty({ description: 'completed / (completed + failed + timeout), percent', example: 98.97 }) success_rate: number;
  @ApiProperty({ nullable: true, description: 'Seconds, over the most recent 1,000 finished tasks', example: 0.412 })
  avg_execution_time: number | null;
  @ApiProperty({ example: 3600 }) uptime_seconds: number;
  @ApiProperty({ example: [{ name: 'TaskTimeoutError', message: 'Task timed out after 300 s', count: 3 }] })
  top_errors: Array<{ name: string; message: string; count: number }>;
  @ApiProperty({ description: 'Tasks running in the whole cluster', example: 4 }) running_tasks: number;
  @ApiProperty({ example: 4 }) cpu_workers: number;
  @ApiProperty({ example: 16 }) io_workers: number;
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) generated_at: string;
  @ApiProperty({ example: { pending: 30, running: 4, completed: 1150, failed: 9, retrying: 2, cancelled: 2, timeout: 3 } })
  by_status: Record<string, number>;
  @ApiProperty({ example: { document_analysis: { total: 600, by_status: { completed: 598, failed: 2 } } } })
  by_type: Record<string, { total: number; by_status: Record<string, number> }>;
  @ApiProperty({ example: { depth: 32, due_oldest_run_at: '2026-11-27T09:59:58.000Z', oldest_waiting_age_seconds: 2 } })
  queue: { depth: number; due_oldest_run_at: string | null; oldest_waiting_age_seconds: number | null };
  @ApiProperty({ description: 'Run time of recent tasks (ms)', example: { sample_size: 1000, avg: 412, p50: 380, p95: 900, p99: 1400, max: 2100 } })
  execution_time_ms: Record<string, number | null>;
  @ApiProperty({ description: 'Wait between run_at and start of recent tasks (ms)', example: { sample_size: 1000, avg: 3, p50: 2, p95: 9, p99: 20, max: 45 } })
  queue_wait_ms: Record<string, number | null>;
  @ApiProperty({ example: { last_minute: { finished: 120, completed: 118, per_second: 2 }, last_hour: { finished: 4000, completed: 3990, per_second: 1.11 } } })
  throughput: Record<string, { finished: number; completed: number; per_second: number }>;
  @ApiProperty({
    example: {
      worker_id: 'api-1:4242:9f1c2a',
      dispatcher_running: true,
      running: [{ task_id: '019abf4e-…', task_type: 'test_execution', executor: 'event-loop', attempt: 1, started_at: '2026-11-27T09:59:59.000Z', progress: 40 }],
      pools: [{ kind: 'worker', size: 4, busy: 1, threads: 4, utilization: 0.12 }, { kind: 'event-loop', size: 16, busy: 3 }],
      unwritten_outcomes: 0,
      claimed_ahead: 0,
    },
  })
  instance: Record<string, unknown>;
}
