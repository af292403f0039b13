import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/** Optional task settings of the endpoints that start a task. */
export class SubmitTaskOptionsDto {
  @ApiPropertyOptional({ enum: [1, 5, 10, 20], description: 'LOW=1, NORMAL=5, HIGH=10, URGENT=20', default: 5 })
  @IsOptional()
  @IsIn([1, 5, 10, 20], { message: 'priority must be one of 1, 5, 10, 20' })
  priority?: 1 | 5 | 10 | 20;

  @ApiPropertyOptional({ minimum: 1, maximum: 86400, description: 'Defaults to the task type\u2019s timeout' })
  @IsOptional()
  @IsInt({ message: 'timeout_seconds must be an integer' })
  @Min(1, { message: 'timeout_seconds must be at least 1' })
  @Max(86400, { message: 'timeout_seconds must be at most 86400' })
  timeout_seconds?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 20 })
  @IsOptional()
  @IsInt({ message: 'max_retries must be an integer' })
  @Min(0, { message: 'max_retries must be at least 0' })
  @Max(20, { message: 'max_retries must be at most 20' })
  max_retries?: number;
}
