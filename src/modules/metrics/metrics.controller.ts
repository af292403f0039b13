import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { TaskMetrics } from './task-metrics.service';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: TaskMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'tasks_submitted/completed/failed/timed_out/cancelled/retried_total by task_type; tasks_queue_wait_seconds and ' +
      'tasks_run_duration_seconds histograms; tasks_queue_depth by status and priority; worker pool size and busy slots; ' +
      'the oldest waiting task age; Node.js default metrics.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format', schema: { type: 'string', example: 'tasks_completed_total{task_type="document_analysis"} 12' } })
  render(): Promise<string> {
    return this.metrics.render();
  }
}
