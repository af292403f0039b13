import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The steps of a pipeline, in order. */
export const PIPELINE_STEPS = ['analysis', 'generation', 'execution', 'report'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

/** Settings of the run a pipeline will start (headers are kept apart: `secretHeaders`). */
export interface PipelineOptions {
  base_url: string;
  concurrency?: number;
  request_timeout_ms?: number;
  priority?: number;
}

/** Where a pipeline stands: the task of every step started so far, and what they produced. */
export interface PipelineSteps {
  analysis?: { task_id: string };
  generation?: { task_id: string; test_suite_id?: string };
  execution?: { task_id: string; test_run_id?: string };
  report?: { task_id: string; report_id?: string };
}

/** One `POST /documents/:id/pipeline`: analysis → generation → execution → report. */
@Entity({ name: 'pipelines' })
export class PipelineEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'document_id', type: 'uuid' })
  documentId: string;

  @Column({ type: 'varchar', length: 16 })
  status: 'running' | 'completed' | 'failed';

  @Column({ type: 'simple-json' })
  options: PipelineOptions;

  /** Headers for the target (credentials): never returned by the API. */
  @Column({ name: 'secret_headers', type: 'simple-json' })
  secretHeaders: Record<string, string>;

  @Column({ type: 'simple-json' })
  steps: PipelineSteps;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;
}
