import { ApiProperty } from '@nestjs/swagger';

/** The seed's answer to a request that starts a task (HTTP 202). */
export class TaskSubmittedDto {
  @ApiProperty({ format: 'uuid', example: '019abf4e-8a3c-7d21-9a51-5e0c7d7b1f00' })
  task_id: string;

  @ApiProperty({ example: 'submitted' })
  status: 'submitted';

  @ApiProperty({ example: 'Document analysis task submitted; follow it at GET /tasks/{task_id}' })
  message: string;
}
