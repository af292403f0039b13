import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import { NonRetryableTaskError, TaskHandler, type TaskContext, type WorkerTaskHooks } from '../../tasks';
import { DocumentsService } from '../../documents/documents.service';
import { DocumentNotFoundError } from '../../documents/errors/document-not-found.error';
import { PipelinesService } from '../../pipelines/pipelines.service';
import { TestSuitesService } from '../test-suites.service';
import type { TestGenerationInput, TestGenerationResult } from '../test-suites.tasks';
import type { GeneratedSuite } from './case-generator';

/**
 * `test_generation`: the description is read on the main thread, cases are
 * generated in a worker thread, and the suite is stored. As a pipeline step it
 * then creates the run the pipeline asked for and starts its execution.
 */
@Injectable()
@TaskHandler('test_generation', { executor: 'worker', file: join(__dirname, 'test-generation.worker'), timeoutSeconds: 120, maxRetries: 2 })
export class TestGenerationHandler implements WorkerTaskHooks<'test_generation', { content: string }, GeneratedSuite> {
  constructor(
    private readonly documents: DocumentsService,
    private readonly suites: TestSuitesService,
    private readonly pipelines: PipelinesService,
  ) {}

  async prepare(input: TestGenerationInput): Promise<{ content: string }> {
    try {
      const document = await this.documents.get(input.document_id);
      if (document.format !== 'openapi') throw new NonRetryableTaskError(`Document ${document.id} is ${document.format}; test generation needs an OpenAPI description.`);
      return { content: document.content };
    } catch (error) {
      if (error instanceof DocumentNotFoundError) throw new NonRetryableTaskError(error.message);
      throw error;
    }
  }

  async finish(generated: GeneratedSuite, input: TestGenerationInput, context: TaskContext): Promise<TestGenerationResult> {
    const suite = await this.suites.saveSuite(input.document_id, context.taskId, generated);
    const result: TestGenerationResult = {
      test_suite_id: suite.id,
      document_id: input.document_id,
      case_count: generated.cases.length,
      positive_cases: generated.cases.filter((c) => c.kind === 'positive').length,
      negative_cases: generated.cases.filter((c) => c.kind === 'negative').length,
      operation_count: Object.keys(generated.validation.responses).length,
    };
    if (input.pipeline_id) {
      const pipeline = await this.pipelines.get(input.pipeline_id);
      if (pipeline) {
        await this.pipelines.recordStep(pipeline.id, 'generation', { task_id: context.taskId, test_suite_id: suite.id });
        const { task, run } = await this.suites.startRun(
          suite.id,
          { ...pipeline.options, priority: pipeline.options.priority as never, pipeline_id: pipeline.id },
          pipeline.secretHeaders,
          PipelinesService.stepKey(pipeline.id, 'execution'),
        );
        await this.pipelines.recordStep(pipeline.id, 'execution', { task_id: task.task_id, test_run_id: run.id });
        result.next_task_id = task.task_id;
      }
    }
    return result;
  }
}
