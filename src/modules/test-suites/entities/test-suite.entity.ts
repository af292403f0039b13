import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SuiteValidation } from '../generation/case-generator';
import type { TestCase } from '../test-case.interface';

/** Test cases generated from a document, and the response schemas a run checks against. */
@Entity({ name: 'test_suites' })
export class TestSuiteEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'document_id', type: 'uuid' })
  documentId: string;

  @Column({ name: 'task_id', type: 'uuid', nullable: true })
  taskId: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'spec_version', type: 'varchar', length: 16 })
  specVersion: string;

  @Column({ name: 'case_count', type: 'integer' })
  caseCount: number;

  @Column({ type: 'simple-json' })
  cases: TestCase[];

  @Column({ type: 'simple-json' })
  validation: SuiteValidation;
}
