import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { Repository } from 'typeorm';
import { EnvironmentVariables } from '../../config/environment-variables';
import { DocumentsService, type TaskRequestOptions } from '../documents/documents.service';
import { TaskManager, type SubmittedTask, type TaskPriority } from '../tasks';
import { TestRunEntity, type TestRunStatus } from './entities/test-run.entity';
import { TestSuiteEntity } from './entities/test-suite.entity';
import { TestRunNotFoundError, TestSuiteNotFoundError } from './errors/not-found.errors';
import { maskHeaders } from './execution/secret-headers';
import { TestTargetPolicy } from './execution/test-target.policy';
import type { GeneratedSuite } from './generation/case-generator';
import type { CaseResult, RunSummary, TestCase } from './test-case.interface';
import './test-suites.tasks';

/** A suite as the API shows it. */
export interface TestSuiteView {
  id: string;
  document_id: string;
  task_id: string | null;
  created_at: string;
  spec_version: string;
  case_count: number;
  positive_cases: number;
  negative_cases: number;
  operations: string[];
  cases: TestCase[];
}

/** A run as the API shows it (headers masked). */
export interface TestRunView {
  id: string;
  suite_id: string;
  task_id: string | null;
  status: TestRunStatus;
  base_url: string;
  headers: Record<string, string>;
  concurrency: number;
  request_timeout_ms: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error: string | null;
  summary: RunSummary | null;
  results: CaseResult[] | null;
}

/** What starting a run needs. */
export interface RunRequest {
  base_url: string;
  headers?: Record<string, string>;
  concurrency?: number;
  request_timeout_ms?: number;
  priority?: TaskPriority;
  pipeline_id?: string;
}

export function toRunView(run: TestRunEntity): TestRunView {
  return {
    id: run.id,
    suite_id: run.suiteId,
    task_id: run.taskId,
    status: run.status,
    base_url: run.baseUrl,
    headers: run.headersMasked,
    concurrency: run.concurrency,
    request_timeout_ms: run.requestTimeoutMs,
    created_at: run.createdAt.toISOString(),
    started_at: run.startedAt?.toISOString() ?? null,
    completed_at: run.completedAt?.toISOString() ?? null,
    error: run.error,
    summary: run.summary,
    results: run.results,
  };
}

@Injectable()
export class TestSuitesService {
  constructor(
    @InjectRepository(TestSuiteEntity) private readonly suites: Repository<TestSuiteEntity>,
    @InjectRepository(TestRunEntity) private readonly runs: Repository<TestRunEntity>,
    private readonly documents: DocumentsService,
    private readonly tasks: TaskManager,
    private readonly targets: TestTargetPolicy,
    private readonly env: EnvironmentVariables,
  ) {}

  /** Starts a `test_generation` task for an OpenAPI document. */
  async requestGeneration(documentId: string, options: TaskRequestOptions = {}): Promise<SubmittedTask> {
    const document = await this.documents.get(documentId);
    if (document.format !== 'openapi') {
      throw new BadRequestException(`Test generation needs an OpenAPI or Swagger description; document ${documentId} is ${document.format}.`);
    }
    return this.tasks.submit(
      'test_generation',
      { document_id: documentId },
      { priority: options.priority, timeoutSeconds: options.timeout_seconds, maxRetries: options.max_retries },
    );
  }

  async saveSuite(documentId: string, taskId: string, generated: GeneratedSuite): Promise<TestSuiteEntity> {
    const suite = Object.assign(new TestSuiteEntity(), {
      id: uuidv7(),
      documentId,
      taskId,
      createdAt: new Date(),
      specVersion: generated.specVersion,
      caseCount: generated.cases.length,
      cases: generated.cases,
      validation: generated.validation,
    });
    await this.suites.save(suite, { reload: false });
    return suite;
  }

  async getSuite(id: string): Promise<TestSuiteEntity> {
    const suite = await this.suites.findOne({ where: { id } });
    if (!suite) throw new TestSuiteNotFoundError(id);
    return suite;
  }

  async suiteView(id: string): Promise<TestSuiteView> {
    const suite = await this.getSuite(id);
    return {
      id: suite.id,
      document_id: suite.documentId,
      task_id: suite.taskId,
      created_at: suite.createdAt.toISOString(),
      spec_version: suite.specVersion,
      case_count: suite.caseCount,
      positive_cases: suite.cases.filter((c) => c.kind === 'positive').length,
      negative_cases: suite.cases.filter((c) => c.kind === 'negative').length,
      operations: [...new Set(suite.cases.map((c) => c.operation_key))],
      cases: suite.cases,
    };
  }

  /**
   * Creates a run of a suite against a base URL (checked by the SSRF policy
   * first) and starts its `test_execution` task. The run's headers live on the
   * run row only; the task's input carries just the run id.
   */
  async startRun(suiteId: string, request: RunRequest, secretHeaders?: Record<string, string>, idempotencyKey?: string): Promise<{ task: SubmittedTask; run: TestRunEntity }> {
    const suite = await this.suites.findOne({ where: { id: suiteId }, select: ['id'] });
    if (!suite) throw new TestSuiteNotFoundError(suiteId);
    const target = await this.targets.check(request.base_url, secretHeaders ?? request.headers);
    const run: TestRunEntity = Object.assign(new TestRunEntity(), {
      id: uuidv7(),
      suiteId,
      taskId: null,
      status: 'queued' as const,
      baseUrl: target.baseUrl,
      headersMasked: maskHeaders(target.headers),
      secretHeaders: target.headers,
      concurrency: request.concurrency ?? this.env.TEST_DEFAULT_CONCURRENCY,
      requestTimeoutMs: request.request_timeout_ms ?? this.env.TEST_REQUEST_TIMEOUT_MS,
      summary: null,
      results: null,
      error: null,
      createdAt: new Date(),
      startedAt: null,
      completedAt: null,
    });
    await this.runs.insert(run);
    const task = await this.tasks.submit(
      'test_execution',
      { test_run_id: run.id, ...(request.pipeline_id ? { pipeline_id: request.pipeline_id } : {}) },
      {
        priority: request.priority,
        idempotencyKey,
        metadata: request.pipeline_id ? { pipeline_id: request.pipeline_id, pipeline_step: 'execution' } : {},
      },
    );
    if (!task.created) {
      // The pipeline step was already started (this step ran twice): drop the duplicate run.
      await this.runs.delete({ id: run.id });
      const existing = await this.runs.findOne({ where: { taskId: task.task_id } });
      return { task, run: existing ?? run };
    }
    await this.runs.update({ id: run.id }, { taskId: task.task_id });
    run.taskId = task.task_id;
    return { task, run };
  }

  async getRun(id: string): Promise<TestRunEntity> {
    const run = await this.runs.findOne({ where: { id } });
    if (!run) throw new TestRunNotFoundError(id);
    return run;
  }

  async markRunning(id: string): Promise<void> {
    await this.runs.update({ id }, { status: 'running', startedAt: new Date(), error: null });
  }

  async finishRun(id: string, status: TestRunStatus, outcome: { summary?: RunSummary; results?: CaseResult[]; error?: string }): Promise<void> {
    await this.runs.update({ id }, { status, summary: outcome.summary ?? null, results: outcome.results ?? null, error: outcome.error ?? null, completedAt: new Date() });
  }
}
