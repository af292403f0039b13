import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { DocumentsService } from '../documents/documents.service';
import { PipelinesService } from '../pipelines/pipelines.service';
import { NonRetryableTaskError, TaskHandler, type TaskContext, type WorkerTaskHooks } from '../tasks';
import { TestRunNotFoundError } from '../test-suites/errors/not-found.errors';
import { TestSuitesService } from '../test-suites/test-suites.service';
import type { RenderedReports } from './report-generation.worker';
import type { ReportModel } from './report-model.interface';
import { ReportsService } from './reports.service';
import type { ReportGenerationInput, ReportGenerationResult } from './reports.tasks';

/**
 * `report_generation`: the run, its suite and its document are read on the main
 * thread into a `ReportModel`; the thread renders JSON, Markdown, HTML and
 * JUnit; the renderings are stored. The last step of a pipeline.
 */
@Injectable()
@TaskHandler('report_generation', { executor: 'worker', file: join(__dirname, 'report-generation.worker'), timeoutSeconds: 120, maxRetries: 2 })
export class ReportGenerationHandler implements WorkerTaskHooks<'report_generation', ReportModel, RenderedReports> {
  /** The model of each attempt, kept between `prepare` and `finish` (same process, same attempt). */
  private readonly models = new Map<string, ReportModel>();

  constructor(
    private readonly suites: TestSuitesService,
    private readonly documents: DocumentsService,
    private readonly reports: ReportsService,
    private readonly pipelines: PipelinesService,
  ) {}

  async prepare(input: ReportGenerationInput, context: TaskContext): Promise<ReportModel> {
    const run = await this.suites.getRun(input.test_run_id).catch((error: unknown) => {
      throw error instanceof TestRunNotFoundError ? new NonRetryableTaskError(error.message) : error;
    });
    if (run.status !== 'completed' || !run.summary || !run.results) {
      throw new NonRetryableTaskError(`Test run ${run.id} is ${run.status}; a report needs a completed run.`);
    }
    const suite = await this.suites.getSuite(run.suiteId);
    const document = await this.documents.get(suite.documentId);
    const analysis = document.analysis && document.analysis.format === 'openapi' ? document.analysis : null;
    const model: ReportModel = {
      report_id: uuidv7(),
      generated_at: new Date().toISOString(),
      document: {
        id: document.id,
        name: document.name,
        title: analysis?.title ?? null,
        api_version: analysis?.api_version ?? null,
        spec_version: analysis?.spec_version ?? suite.specVersion,
      },
      run: {
        id: run.id,
        base_url: run.baseUrl,
        started_at: run.startedAt?.toISOString() ?? null,
        completed_at: run.completedAt?.toISOString() ?? null,
        headers: run.headersMasked,
      },
      summary: run.summary,
      results: run.results,
    };
    this.models.set(`${context.taskId}:${context.attempt}`, model);
    return model;
  }

  async finish(rendered: RenderedReports, input: ReportGenerationInput, context: TaskContext): Promise<ReportGenerationResult> {
    const key = `${context.taskId}:${context.attempt}`;
    const model = this.models.get(key);
    this.models.delete(key);
    if (!model) throw new Error(`The report model of task ${context.taskId} attempt ${context.attempt} is missing`);
    const report = await this.reports.save(model, context.taskId, rendered);
    if (input.pipeline_id) await this.pipelines.recordStep(input.pipeline_id, 'report', { task_id: context.taskId, report_id: report.id }, 'completed');
    const { total, passed, failed, errored } = model.summary;
    return { report_id: report.id, test_run_id: input.test_run_id, formats: ['html', 'markdown', 'json', 'junit'], summary: { total, passed, failed, errored } };
  }
}
