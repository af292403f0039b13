import { ApiProperty } from '@nestjs/swagger';
import { TaskSubmittedDto } from '../../documents/dto/task-submitted.dto';

export class RunSubmittedDto extends TaskSubmittedDto {
  @ApiProperty({ format: 'uuid', description: 'Follow the run at GET /test-runs/{test_run_id}' })
  test_run_id: string;
}
