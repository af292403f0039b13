import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CaseResult, RunSummary } from '../test-case.interface';

export type TestRunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** One execution of a suite against a base URL. */
@Entity({ name: 'test_runs' })
export class TestRunEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'suite_id', type: 'uuid' })
  suiteId: string;

  @Column({ name: 'task_id', type: 'uuid', nullable: true })
  taskId: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: TestRunStatus;

  @Column({ name: 'base_url', type: 'varchar', length: 2048 })
  baseUrl: string;

  /** The run's headers as shown: credentials masked. */
  @Column({ name: 'headers_masked', type: 'simple-json' })
  headersMasked: Record<string, string>;

  /** The run's headers as sent: never returned by the API, never in a task's input. */
  @Column({ name: 'secret_headers', type: 'simple-json' })
  secretHeaders: Record<string, string>;

  @Column({ type: 'integer' })
  concurrency: number;

  @Column({ name: 'request_timeout_ms', type: 'integer' })
  requestTimeoutMs: number;

  @Column({ type: 'simple-json', nullable: true })
  summary: RunSummary | null;

  @Column({ type: 'simple-json', nullable: true })
  results: CaseResult[] | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'started_at', type: Date, nullable: true })
  startedAt: Date | null;

  @Column({ name: 'completed_at', type: Date, nullable: true })
  completedAt: Date | null;
}
