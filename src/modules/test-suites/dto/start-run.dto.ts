import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** Body of `POST /documents/:id/pipeline` and `POST /test-suites/:id/runs`. */
export class StartRunDto {
  @ApiProperty({ description: 'Where the API under test answers (http or https)', example: 'http://127.0.0.1:4010' })
  @IsString({ message: 'base_url must be a string' })
  @MaxLength(2048, { message: 'base_url must be at most 2048 characters' })
  base_url: string;

  @ApiPropertyOptional({
    description: 'Headers sent with every request (e.g. credentials). Stored apart and masked in results and reports.',
    example: { authorization: 'Bearer <token>' },
  })
  @IsOptional()
  @IsObject({ message: 'headers must be an object of header names to string values' })
  headers?: Record<string, string>;

  @ApiPropertyOptional({ minimum: 1, maximum: 64, description: 'Requests in flight at once (default TEST_DEFAULT_CONCURRENCY)' })
  @IsOptional()
  @IsInt({ message: 'concurrency must be an integer' })
  @Min(1, { message: 'concurrency must be at least 1' })
  @Max(64, { message: 'concurrency must be at most 64' })
  concurrency?: number;

  @ApiPropertyOptional({ minimum: 100, maximum: 300000, description: 'Per-request timeout (default TEST_REQUEST_TIMEOUT_MS)' })
  @IsOptional()
  @IsInt({ message: 'request_timeout_ms must be an integer' })
  @Min(100, { message: 'request_timeout_ms must be at least 100' })
  @Max(300000, { message: 'request_timeout_ms must be at most 300000' })
  request_timeout_ms?: number;

  @ApiPropertyOptional({ enum: [1, 5, 10, 20], default: 5 })
  @IsOptional()
  @IsIn([1, 5, 10, 20], { message: 'priority must be one of 1, 5, 10, 20' })
  priority?: 1 | 5 | 10 | 20;
}
