import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { TASK_STATUSES, type TaskStatus } from '../task.constants';

/** Query of `GET /tasks`. */
export class ListTasksQueryDto {
  @ApiPropertyOptional({ description: 'Only tasks of this type', example: 'document_analysis' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { message: 'task_type must be 1–100 letters, digits, "_", ".", ":" or "-"' })
  task_type?: string;

  @ApiPropertyOptional({ description: 'Only tasks in this status', enum: TASK_STATUSES, example: 'failed' })
  @IsOptional()
  @IsIn(TASK_STATUSES, { message: `status must be one of ${TASK_STATUSES.join(', ')}` })
  status?: TaskStatus;

  @ApiPropertyOptional({ description: 'Page size', minimum: 1, maximum: 1000, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(1000, { message: 'limit must be at most 1000' })
  limit?: number;

  @ApiPropertyOptional({ description: 'Tasks to skip', minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'offset must be an integer' })
  @Min(0, { message: 'offset must be at least 0' })
  offset?: number;
}
