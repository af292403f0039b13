import { ApiProperty } from '@nestjs/swagger';

export class TestSuiteDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) document_id: string;
  @ApiProperty({ format: 'uuid', nullable: true }) task_id: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ example: '3.0.3' }) spec_version: string;
  @ApiProperty({ example: 24 }) case_count: number;
  @ApiProperty({ example: 4 }) positive_cases: number;
  @ApiProperty({ example: 20 }) negative_cases: number;
  @ApiProperty({ example: ['GET /pets', 'POST /pets'] }) operations: string[];
  @ApiProperty({
    description: 'The cases: a positive one per operation (examples first, then samples) and negative ones that break one rule each',
    example: [
      {
        id: 'POST /pets#2',
        operation_key: 'POST /pets',
        operation_id: 'createPet',
        name: 'POST /pets: required body field "name" missing',
        kind: 'negative',
        variant: 'missing_required_field',
        target: 'body.name',
        request: { method: 'POST', path: '/pets', path_params: {}, query: {}, headers: {}, body: { tag: 'cat' }, content_type: 'application/json' },
        expected_statuses: ['4XX'],
      },
    ],
  })
  cases: Record<string, unknown>[];
}

export class TestRunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) suite_id: string;
  @ApiProperty({ format: 'uuid', nullable: true }) task_id: string | null;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed', 'cancelled'] }) status: string;
  @ApiProperty({ example: 'http://127.0.0.1:4010' }) base_url: string;
  @ApiProperty({ description: 'Credentials masked', example: { authorization: 'Bearer ***' } }) headers: Record<string, string>;
  @ApiProperty({ example: 4 }) concurrency: number;
  @ApiProperty({ example: 10000 }) request_timeout_ms: number;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true }) started_at: string | null;
  @ApiProperty({ nullable: true }) completed_at: string | null;
  @ApiProperty({ nullable: true }) error: string | null;
  @ApiProperty({
    nullable: true,
    example: { total: 24, passed: 20, failed: 3, errored: 1, latency_ms: { p50: 3.1, p95: 9.8, max: 15 }, by_operation: [] },
  })
  summary: Record<string, unknown> | null;
  @ApiProperty({
    nullable: true,
    description: 'Per case: outcome (passed/failed/errored), failed checks with reasons, latency, request (secrets masked), response excerpt, curl command',
  })
  results: Record<string, unknown>[] | null;
}
