import { Injectable, Logger } from '@nestjs/common';
import { EnvironmentVariables } from '../../../config/environment-variables';
import { PipelinesService } from '../../pipelines/pipelines.service';
import { NonRetryableTaskError, TaskAbortReason, TaskHandler, TaskManager, type EventLoopTaskHandler, type TaskContext } from '../../tasks';
import { TestRunNotFoundError } from '../errors/not-found.errors';
import { TestSuitesService } from '../test-suites.service';
import type { TestExecutionInput, TestExecutionResult } from '../test-suites.tasks';
import { runCases, summarize } from './http-runner';
import { ResponseValidator } from './response-validator';
import { createGuardedAgent } from './ssrf-guard';
import { TestTargetPolicy } from './test-target.policy';

/**
 * `test_execution`: sends a suite's requests to the run's target on the event
 * loop (I/O-bound), at most `concurrency` at a time, through an agent that
 * refuses private and loopback addresses at connect time and follows no
 * redirect. Progress is reported as cases finish; cancel or timeout aborts the
 * requests in flight.
 */
@Injectable()
@TaskHandler('test_execution', { executor: 'event-loop', timeoutSeconds: 600, maxRetries: 1 })
export class TestExecutionHandler implements EventLoopTaskHandler<'test_execution'> {
  private readonly logger = new Logger(TestExecutionHandler.name);

  constructor(
    private readonly suites: TestSuitesService,
    private readonly targets: TestTargetPolicy,
    private readonly env: EnvironmentVariables,
    private readonly tasks: TaskManager,
    private readonly pipelines: PipelinesService,
  ) {}

  async handle(input: TestExecutionInput, context: TaskContext): Promise<TestExecutionResult> {
    const run = await this.suites.getRun(input.test_run_id).catch((error: unknown) => {
      throw error instanceof TestRunNotFoundError ? new NonRetryableTaskError(error.message) : error;
    });
    const suite = await this.suites.getSuite(run.suiteId);
    await this.suites.markRunning(run.id);
    this.logger.log(`Running ${suite.cases.length} cases against ${run.baseUrl}`);
    const agent = createGuardedAgent(this.targets.allowlist, {
      connectTimeoutMs: Math.min(run.requestTimeoutMs, 10_000),
      headersTimeoutMs: run.requestTimeoutMs,
      bodyTimeoutMs: run.requestTimeoutMs,
    });
    let lastReported = 0;
    try {
      const results = await runCases(
        suite.cases,
        {
          baseUrl: run.baseUrl,
          headers: run.secretHeaders,
          concurrency: run.concurrency,
          requestTimeoutMs: run.requestTimeoutMs,
          maxResponseBytes: this.env.TEST_MAX_RESPONSE_BYTES,
          dispatcher: agent,
          signal: context.signal,
          onProgress: (done, total) => {
            const percent = Math.floor((done / total) * 100);
            if (percent !== lastReported) context.reportProgress((lastReported = percent), `${done}/${total} cases`);
          },
        },
        new ResponseValidator(suite.validation),
      );
      const summary = summarize(results);
      await this.suites.finishRun(run.id, 'completed', { summary, results });
      const result: TestExecutionResult = {
        test_run_id: run.id,
        test_suite_id: suite.id,
        total: summary.total,
        passed: summary.passed,
        failed: summary.failed,
        errored: summary.errored,
      };
      if (input.pipeline_id) {
        const next = await this.tasks.submit(
          'report_generation',
          { test_run_id: run.id, pipeline_id: input.pipeline_id },
          { idempotencyKey: PipelinesService.stepKey(input.pipeline_id, 'report'), metadata: { pipeline_id: input.pipeline_id, pipeline_step: 'report' } },
        );
        await this.pipelines.recordStep(input.pipeline_id, 'report', { task_id: next.task_id });
        result.next_task_id = next.task_id;
      }
      return result;
    } catch (error) {
      const reason = context.signal.reason as TaskAbortReason | undefined;
      const status = reason?.kind === 'cancelled' ? 'cancelled' : 'failed';
      // A retry (if the engine grants one) marks the run running again.
      await this.suites.finishRun(run.id, status, { error: reason?.message ?? (error as Error).message });
      throw error;
    } finally {
      await agent.close().catch(() => undefined);
    }
  }
}
