import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Repository } from 'typeorm';
import { EnvironmentVariables } from '../../config/environment-variables';
import { TaskManager, type SubmittedTask, type TaskPriority } from '../tasks';
import type { DocumentAnalysis } from './analysis/analysis-result.interface';
import { detectFormat, type DocumentFormat } from './document-format';
import './documents.tasks';
import { DocumentEntity } from './entities/document.entity';
import { AnalysisNotAvailableError } from './errors/analysis-not-available.error';
import { DocumentNotFoundError } from './errors/document-not-found.error';
import { DocumentTooLargeError } from './errors/document-too-large.error';

/** A document as the API returns it (content only on request). */
export interface DocumentView {
  id: string;
  name: string;
  format: DocumentFormat;
  size_bytes: number;
  sha256: string;
  created_at: string;
  analysis_task_id: string | null;
  analyzed_at: string | null;
  content?: string;
}

/** Options of the endpoints that start a task. */
export interface TaskRequestOptions {
  priority?: TaskPriority;
  timeout_seconds?: number;
  max_retries?: number;
  pipeline_id?: string;
}

export function toDocumentView(e: DocumentEntity, withContent = false): DocumentView {
  return {
    id: e.id,
    name: e.name,
    format: e.format,
    size_bytes: e.sizeBytes,
    sha256: e.sha256,
    created_at: e.createdAt.toISOString(),
    analysis_task_id: e.analysisTaskId,
    analyzed_at: e.analyzedAt ? e.analyzedAt.toISOString() : null,
    ...(withContent ? { content: e.content } : {}),
  };
}

@Injectable()
export class DocumentsService {
  constructor(
    @InjectRepository(DocumentEntity) private readonly documents: Repository<DocumentEntity>,
    private readonly tasks: TaskManager,
    private readonly env: EnvironmentVariables,
  ) {}

  /** Stores a document; its format is detected when not given. */
  async create(input: { name: string; content: string; format?: DocumentFormat }): Promise<DocumentView> {
    const sizeBytes = Buffer.byteLength(input.content, 'utf8');
    if (sizeBytes > this.env.DOCUMENT_MAX_BYTES) throw new DocumentTooLargeError(sizeBytes, this.env.DOCUMENT_MAX_BYTES);
    const entity = Object.assign(new DocumentEntity(), {
      id: uuidv7(),
      name: input.name,
      format: input.format ?? detectFormat(input.content, input.name),
      content: input.content,
      sizeBytes,
      sha256: createHash('sha256').update(input.content).digest('hex'),
      createdAt: new Date(),
      analysis: null,
      analysisTaskId: null,
      analyzedAt: null,
    });
    await this.documents.insert(entity);
    return toDocumentView(entity);
  }

  async list(limit = 50, offset = 0): Promise<{ items: DocumentView[]; total: number; limit: number; offset: number }> {
    const [items, total] = await this.documents.findAndCount({
      select: ['id', 'name', 'format', 'sizeBytes', 'sha256', 'createdAt', 'analysisTaskId', 'analyzedAt'],
      order: { id: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { items: items.map((e) => toDocumentView(e)), total, limit, offset };
  }

  async get(id: string): Promise<DocumentEntity> {
    const entity = await this.documents.findOne({ where: { id } });
    if (!entity) throw new DocumentNotFoundError(id);
    return entity;
  }

  /** Deletes a document with its suites, runs, reports and pipelines (cascade). */
  async delete(id: string): Promise<void> {
    const result = await this.documents.delete({ id });
    if (!result.affected) throw new DocumentNotFoundError(id);
  }

  /** Starts a `document_analysis` task. */
  async analyze(id: string, options: TaskRequestOptions = {}): Promise<SubmittedTask> {
    const exists = await this.documents.exist({ where: { id } });
    if (!exists) throw new DocumentNotFoundError(id);
    return this.tasks.submit(
      'document_analysis',
      { document_id: id, ...(options.pipeline_id ? { pipeline_id: options.pipeline_id } : {}) },
      {
        priority: options.priority,
        timeoutSeconds: options.timeout_seconds,
        maxRetries: options.max_retries,
        metadata: options.pipeline_id ? { pipeline_id: options.pipeline_id, pipeline_step: 'analysis' } : {},
      },
    );
  }

  /** The latest completed analysis. */
  async latestAnalysis(id: string): Promise<{ document_id: string; task_id: string; analyzed_at: string; analysis: DocumentAnalysis }> {
    const entity = await this.get(id);
    if (!entity.analysis || !entity.analysisTaskId || !entity.analyzedAt) {
      const last = (await this.tasks.list({ taskType: 'document_analysis', limit: 200 })).items.find(
        (t) => (t.input_data as { document_id?: string }).document_id === id,
      );
      throw new AnalysisNotAvailableError(
        id,
        last ? `its latest analysis task ${last.task_id} is ${last.status}${last.error_info ? ` (${last.error_info.message.split('\n')[0]})` : ''}` : 'POST /documents/{id}/analyze to start one',
      );
    }
    return { document_id: id, task_id: entity.analysisTaskId, analyzed_at: entity.analyzedAt.toISOString(), analysis: entity.analysis };
  }

  /** Called by the analysis handler when a task finishes. */
  async saveAnalysis(id: string, taskId: string, analysis: DocumentAnalysis): Promise<void> {
    await this.documents.update({ id }, { analysis, analysisTaskId: taskId, analyzedAt: new Date() });
  }
}
