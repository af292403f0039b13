import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DocumentAnalysis } from '../analysis/analysis-result.interface';
import type { DocumentFormat } from '../document-format';

/** An uploaded API description or requirements document, with its latest analysis. */
@Entity({ name: 'documents' })
export class DocumentEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  format: DocumentFormat;

  @Column({ type: 'text' })
  content: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes: number;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ type: 'simple-json', nullable: true })
  analysis: DocumentAnalysis | null;

  @Column({ name: 'analysis_task_id', type: 'uuid', nullable: true })
  analysisTaskId: string | null;

  @Column({ name: 'analyzed_at', type: Date, nullable: true })
  analyzedAt: Date | null;
}
