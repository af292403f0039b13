import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../../common/parse-id.pipe';
import { SubmitTaskOptionsDto } from '../documents/dto/submit-task-options.dto';
import { TaskSubmittedDto } from '../documents/dto/task-submitted.dto';
import { RunSubmittedDto } from './dto/run-submitted.dto';
import { StartRunDto } from './dto/start-run.dto';
import { TestRunDto, TestSuiteDto } from './dto/test-suite.dto';
import { TestSuitesService, toRunView, type TestRunView, type TestSuiteView } from './test-suites.service';

@ApiTags('tests')
@Controller()
export class TestSuitesController {
  constructor(private readonly suites: TestSuitesService) {}

  @Post('documents/:id/test-suites')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Generate a test suite from an OpenAPI document (task test_generation, worker thread)',
    description: 'The task\u2019s result_data carries test_suite_id.',
  })
  @ApiAcceptedResponse({ type: TaskSubmittedDto })
  @ApiBadRequestResponse({ description: 'The document is not an OpenAPI description' })
  @ApiNotFoundResponse({ description: 'No document with this id' })
  async generate(@Param('id', ParseIdPipe) id: string, @Body() options: SubmitTaskOptionsDto): Promise<TaskSubmittedDto> {
    const { task_id } = await this.suites.requestGeneration(id, options);
    return { task_id, status: 'submitted', message: `Test generation task submitted; follow it at GET /tasks/${task_id}` };
  }

  @Get('test-suites/:id')
  @ApiOperation({ summary: 'A test suite and its cases' })
  @ApiOkResponse({ type: TestSuiteDto })
  @ApiNotFoundResponse({ description: 'No test suite with this id' })
  get(@Param('id', ParseIdPipe) id: string): Promise<TestSuiteView> {
    return this.suites.suiteView(id);
  }

  @Post('test-suites/:id/runs')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Run a suite against a live service (task test_execution, event loop)',
    description:
      'base_url must be http(s); loopback, private, link-local, unique-local, CGNAT, multicast and cloud-metadata addresses are refused ' +
      '(as IP literals, and for every address the host resolves to, again at connect time) unless TEST_TARGET_ALLOWLIST allows them. ' +
      'Redirects are never followed. Headers are stored apart from the task and masked in results.',
  })
  @ApiAcceptedResponse({ type: RunSubmittedDto })
  @ApiBadRequestResponse({ description: 'A field is malformed, or base_url is refused' })
  @ApiNotFoundResponse({ description: 'No test suite with this id' })
  async run(@Param('id', ParseIdPipe) id: string, @Body() body: StartRunDto): Promise<RunSubmittedDto> {
    const { task, run } = await this.suites.startRun(id, body);
    return { task_id: task.task_id, test_run_id: run.id, status: 'submitted', message: `Test run submitted; follow it at GET /test-runs/${run.id}` };
  }

  @Get('test-runs/:id')
  @ApiOperation({ summary: 'A test run: summary (total, passed, failed, errored, latency p50/p95) and per-case results' })
  @ApiOkResponse({ type: TestRunDto })
  @ApiNotFoundResponse({ description: 'No test run with this id' })
  async getRun(@Param('id', ParseIdPipe) id: string): Promise<TestRunView> {
    return toRunView(await this.suites.getRun(id));
  }
}
