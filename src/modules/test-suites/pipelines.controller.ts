import { Body, Controller, Get, HttpCode, HttpStatus, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../../common/parse-id.pipe';
import { DocumentsService } from '../documents/documents.service';
import { TaskSubmittedDto } from '../documents/dto/task-submitted.dto';
import { PipelinesService } from '../pipelines/pipelines.service';
import { TaskManager } from '../tasks';
import { StartRunDto } from './dto/start-run.dto';
import { TestTargetPolicy } from './execution/test-target.policy';

class PipelineSubmittedDto extends TaskSubmittedDto {
  @ApiProperty({ format: 'uuid' }) pipeline_id: string;
}

class PipelineDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) document_id: string;
  @ApiProperty({ enum: ['running', 'completed', 'failed'] }) status: string;
  @ApiProperty({ example: { base_url: 'http://127.0.0.1:4010', concurrency: 4 } }) options: Record<string, unknown>;
  @ApiProperty({
    description: 'Task (and output) of every step started so far',
    example: { analysis: { task_id: '…' }, generation: { task_id: '…', test_suite_id: '…' }, execution: { task_id: '…', test_run_id: '…' } },
  })
  steps: Record<string, unknown>;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

@ApiTags('pipelines')
@Controller()
export class PipelinesController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly pipelines: PipelinesService,
    private readonly targets: TestTargetPolicy,
    private readonly tasks: TaskManager,
  ) {}

  @Post('documents/:id/pipeline')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Run the whole pipeline on a document',
    description:
      'analysis → test generation → test execution against `base_url` → report, each step a task started when the previous one ' +
      'completes. Returns the first task; every step\u2019s result_data carries next_task_id, and GET /pipelines/{pipeline_id} shows them all.',
  })
  @ApiAcceptedResponse({ type: PipelineSubmittedDto })
  @ApiBadRequestResponse({ description: 'A field is malformed, or base_url is refused (SSRF guard)' })
  @ApiNotFoundResponse({ description: 'No document with this id' })
  async start(@Param('id', ParseIdPipe) id: string, @Body() body: StartRunDto): Promise<PipelineSubmittedDto> {
    await this.documents.get(id);
    const target = await this.targets.check(body.base_url, body.headers);
    const pipeline = await this.pipelines.create(
      id,
      { base_url: target.baseUrl, concurrency: body.concurrency, request_timeout_ms: body.request_timeout_ms, priority: body.priority },
      target.headers,
    );
    const first = await this.documents.analyze(id, { priority: body.priority, pipeline_id: pipeline.id });
    await this.pipelines.recordStep(pipeline.id, 'analysis', { task_id: first.task_id });
    return {
      task_id: first.task_id,
      pipeline_id: pipeline.id,
      status: 'submitted',
      message: `Pipeline started with document analysis; follow it at GET /pipelines/${pipeline.id} or GET /tasks/${first.task_id}`,
    };
  }

  @Get('pipelines/:id')
  @ApiOperation({
    summary: 'A pipeline and its steps',
    description: 'status: completed once the report exists; failed when a step\u2019s task ended failed, timeout or cancelled; running otherwise.',
  })
  @ApiOkResponse({ type: PipelineDto })
  @ApiNotFoundResponse({ description: 'No pipeline with this id' })
  async get(@Param('id', ParseIdPipe) id: string): Promise<PipelineDto> {
    const pipeline = await this.pipelines.get(id);
    if (!pipeline) throw new NotFoundException(`Pipeline ${id} was not found.`);
    let status: string = pipeline.status;
    if (status === 'running') {
      const stepTasks = await Promise.all(Object.values(pipeline.steps).map((step) => this.tasks.find(step.task_id)));
      if (stepTasks.some((t) => t && ['failed', 'timeout', 'cancelled'].includes(t.status))) status = 'failed';
    }
    return {
      id: pipeline.id,
      document_id: pipeline.documentId,
      status,
      options: { ...pipeline.options },
      steps: { ...pipeline.steps },
      created_at: pipeline.createdAt.toISOString(),
      updated_at: pipeline.updatedAt.toISOString(),
    };
  }
}
