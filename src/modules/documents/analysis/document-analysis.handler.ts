import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import { NonRetryableTaskError, TaskHandler, TaskManager, type TaskContext, type WorkerTaskHooks } from '../../tasks';
import { PipelinesService } from '../../pipelines/pipelines.service';
import { DocumentNotFoundError } from '../errors/document-not-found.error';
import { DocumentsService } from '../documents.service';
import type { DocumentAnalysisInput, DocumentAnalysisResult } from '../documents.tasks';
import type { DocumentAnalysis } from './analysis-result.interface';
import type { AnalysisWorkerInput } from './document-analysis.worker';

/**
 * `document_analysis`: the document is read on the main thread (the thread has
 * no database), analysed in a worker thread, and the analysis stored on the
 * document. As a pipeline step it then starts test generation.
 */
@Injectable()
@TaskHandler('document_analysis', { executor: 'worker', file: join(__dirname, 'document-analysis.worker'), timeoutSeconds: 120, maxRetries: 2 })
export class DocumentAnalysisHandler implements WorkerTaskHooks<'document_analysis', AnalysisWorkerInput, DocumentAnalysis> {
  constructor(
    private readonly documents: DocumentsService,
    private readonly tasks: TaskManager,
    private readonly pipelines: PipelinesService,
  ) {}

  async prepare(input: DocumentAnalysisInput): Promise<AnalysisWorkerInput> {
    try {
      const document = await this.documents.get(input.document_id);
      return { documentId: document.id, format: document.format, content: document.content };
    } catch (error) {
      if (error instanceof DocumentNotFoundError) throw new NonRetryableTaskError(error.message);
      throw error;
    }
  }

  async finish(analysis: DocumentAnalysis, input: DocumentAnalysisInput, context: TaskContext): Promise<DocumentAnalysisResult> {
    await this.documents.saveAnalysis(input.document_id, context.taskId, analysis);
    const result: DocumentAnalysisResult = { ...analysis, document_id: input.document_id };
    if (input.pipeline_id) {
      if (analysis.format !== 'openapi') {
        throw new NonRetryableTaskError(`Pipeline ${input.pipeline_id} stops: test generation needs an OpenAPI description, and this document is ${analysis.format}.`);
      }
      const pipeline = await this.pipelines.get(input.pipeline_id);
      const next = await this.tasks.submit(
        'test_generation',
        { document_id: input.document_id, pipeline_id: input.pipeline_id },
        {
          idempotencyKey: PipelinesService.stepKey(input.pipeline_id, 'generation'),
          priority: pipeline?.options.priority as never,
          metadata: { pipeline_id: input.pipeline_id, pipeline_step: 'generation' },
        },
      );
      await this.pipelines.recordStep(input.pipeline_id, 'generation', { task_id: next.task_id });
      result.next_task_id = next.task_id;
    }
    return result;
  }
}
