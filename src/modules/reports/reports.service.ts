import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { TaskRequestOptions } from '../documents/documents.service';
import { TaskManager, type SubmittedTask } from '../tasks';
import { TestSuitesService } from '../test-suites/test-suites.service';
import { ReportEntity } from './entities/report.entity';
import { reportFormatMeta, type ReportFormat, type RenderedReport } from './render';
import type { ReportModel } from './report-model.interface';
import './reports.tasks';

/** A report as `GET /reports/:id` shows it. */
export interface ReportView {
  id: string;
  run_id: string;
  task_id: string | null;
  created_at: string;
  summary: ReportEntity['summary'];
  downloads: Record<ReportFormat, string>;
}

/** No report has this id. */
export class ReportNotFoundError extends NotFoundException {
  constructor(id: string) {
    super(`Report ${id} was not found.`);
    this.name = 'ReportNotFoundError';
  }
}

@Injectable()
export class ReportsService {
  constructor(
    @InjectRepository(ReportEntity) private readonly reports: Repository<ReportEntity>,
    private readonly suites: TestSuitesService,
    private readonly tasks: TaskManager,
  ) {}

  /** Starts a `report_generation` task for a finished run. */
  async request(runId: string, options: TaskRequestOptions = {}): Promise<SubmittedTask> {
    const run = await this.suites.getRun(runId);
    if (run.status !== 'completed') throw new ConflictException(`Test run ${runId} is ${run.status}; a report needs a completed run.`);
    return this.tasks.submit('report_generation', { test_run_id: runId }, { priority: options.priority, timeoutSeconds: options.timeout_seconds, maxRetries: options.max_retries });
  }

  async save(model: ReportModel, taskId: string, rendered: { json: string; markdown: string; html: string; junit: string }): Promise<ReportEntity> {
    const report = Object.assign(new ReportEntity(), {
      id: model.report_id,
      runId: model.run.id,
      taskId,
      createdAt: new Date(model.generated_at),
      summary: model.summary,
      ...rendered,
    });
    // A retried task renders again with the same id: the second write replaces the first.
    await this.reports.save(report, { reload: false });
    return report;
  }

  async get(id: string): Promise<ReportEntity> {
    const report = await this.reports.findOne({ where: { id } });
    if (!report) throw new ReportNotFoundError(id);
    return report;
  }

  async view(id: string): Promise<ReportView> {
    const report = await this.reports.findOne({ where: { id }, select: ['id', 'runId', 'taskId', 'createdAt', 'summary'] });
    if (!report) throw new ReportNotFoundError(id);
    return {
      id: report.id,
      run_id: report.runId,
      task_id: report.taskId,
      created_at: report.createdAt.toISOString(),
      summary: report.summary,
      downloads: {
        html: `/reports/${id}/download?format=html`,
        markdown: `/reports/${id}/download?format=markdown`,
        json: `/reports/${id}/download?format=json`,
        junit: `/reports/${id}/download?format=junit`,
      },
    };
  }

  /** The stored rendering in one format, with its content type and file extension. */
  async download(id: string, format: ReportFormat): Promise<RenderedReport> {
    const report = await this.get(id);
    const body = { html: report.html, markdown: report.markdown, json: report.json, junit: report.junit }[format];
    const { contentType, extension } = reportFormatMeta(format);
    return { body, contentType, extension };
  }
}
