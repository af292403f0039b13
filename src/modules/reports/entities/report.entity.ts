import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RunSummary } from '../../test-suites/test-case.interface';

/** A report of a test run, rendered once in every format. */
@Entity({ name: 'reports' })
export class ReportEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @Column({ name: 'task_id', type: 'uuid', nullable: true })
  taskId: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ type: 'simple-json' })
  summary: RunSummary;

  @Column({ name: 'body_json', type: 'text' })
  json: string;

  @Column({ type: 'text' })
  markdown: string;

  @Column({ type: 'text' })
  html: string;

  @Column({ type: 'text' })
  junit: string;
}
