import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ParseIdPipe } from '../../common/parse-id.pipe';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto';
import { TaskStatisticsDto } from './dto/task-statistics.dto';
import { TaskDto, TaskPageDto } from './dto/task.dto';
import type { TaskRecord } from './interfaces/task-record.interface';
import type { TaskStatistics } from './monitor/task-monitor.service';
import { TaskManager } from './task-manager.service';
import type { TaskPage } from './task-query.service';


@ApiTags('tasks')
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TaskManager) {}

  @Get()
  @ApiOperation({ summary: 'List tasks', description: 'Newest first; filter by type and status; paginate with limit/offset.' })
  @ApiOkResponse({ type: TaskPageDto })
  @ApiBadRequestResponse({ description: 'A filter is malformed (the message names it)' })
  list(@Query() query: ListTasksQueryDto): Promise<TaskPage> {
    return this.tasks.list({ taskType: query.task_type, status: query.status, limit: query.limit, offset: query.offset });
  }

  @Get('statistics')
  @ApiOperation({
    summary: 'Task statistics',
    description:
      'Counts by status and type, success rate, run time and queue wait percentiles (recent 1,000 finished tasks), ' +
      'throughput, top errors, uptime, running tasks, pool sizes and use, queue depth and the oldest waiting task.',
  })
  @ApiOkResponse({ type: TaskStatisticsDto })
  statistics(): Promise<TaskStatistics> {
    return this.tasks.statistics();
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a task' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: TaskDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No task with this id' })
  get(@Param('id', ParseIdPipe) id: string): Promise<TaskRecord> {
    return this.tasks.get(id);
  }

  @Post(':id/cancel')
  @ApiOperation({
    summary: 'Cancel a task',
    description:
      'A pending or retrying task is cancelled at once (200). A running task has its AbortSignal fired wherever it runs, ' +
      'and its worker thread is terminated after a short grace period; the answer is 202 and the task ends `cancelled` shortly after.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: TaskDto, description: 'Cancelled' })
  @ApiAcceptedResponse({ type: TaskDto, description: 'Running: cancel requested' })
  @ApiNotFoundResponse({ description: 'No task with this id' })
  @ApiConflictResponse({ description: 'The task has already finished' })
  async cancel(@Param('id', ParseIdPipe) id: string, @Res({ passthrough: true }) res: Response): Promise<TaskRecord> {
    const task = await this.tasks.cancel(id);
    res.status(task.status === 'cancelled' ? HttpStatus.OK : HttpStatus.ACCEPTED);
    return task;
  }

  @Post(':id/retry')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Run a failed, timed-out or cancelled task again', description: 'The task goes back to `pending` with a fresh set of retries.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: TaskDto })
  @ApiNotFoundResponse({ description: 'No task with this id' })
  @ApiConflictResponse({ description: 'The task is not failed, timeout or cancelled' })
  retry(@Param('id', ParseIdPipe) id: string): Promise<TaskRecord> {
    return this.tasks.retry(id);
  }
}
