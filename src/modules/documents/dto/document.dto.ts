import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DOCUMENT_FORMATS } from '../document-format';

/** A document without its content (lists). */
export class DocumentSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'petstore.yaml' }) name: string;
  @ApiProperty({ enum: DOCUMENT_FORMATS, example: 'openapi' }) format: string;
  @ApiProperty({ example: 2843 }) size_bytes: number;
  @ApiProperty({ example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }) sha256: string;
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) created_at: string;
  @ApiProperty({ nullable: true, format: 'uuid', description: 'Task of the latest analysis' }) analysis_task_id: string | null;
  @ApiProperty({ nullable: true, example: '2026-11-27T10:00:02.000Z' }) analyzed_at: string | null;
}

/** A document with its content. */
export class DocumentDto extends DocumentSummaryDto {
  @ApiProperty({ example: 'openapi: 3.0.3\ninfo: …' }) content: string;
}

export class DocumentPageDto {
  @ApiProperty({ type: [DocumentSummaryDto] }) items: DocumentSummaryDto[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}

export class DocumentAnalysisDto {
  @ApiProperty({ format: 'uuid' }) document_id: string;
  @ApiProperty({ format: 'uuid' }) task_id: string;
  @ApiProperty({ example: '2026-11-27T10:00:02.000Z' }) analyzed_at: string;
  @ApiPropertyOptional({
    description: 'OpenAPI: format, spec_version, title, api_version, summary, operations, security, lint, coverage, testability, complexity. Markdown/text: structure and requirement statements.',
    example: { format: 'openapi', spec_version: '3.0.3', title: 'Sample Pet Store', summary: { path_count: 2, operation_count: 4 } },
  })
  analysis: Record<string, unknown>;
}
