import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager, Repository } from 'typeorm';
import { PipelineEntity, type PipelineOptions, type PipelineStep, type PipelineSteps } from './pipeline.entity';

/**
 * Book-keeping of pipelines. The chain itself is driven by the step handlers:
 * each one, when its work is done, submits the next step (with an idempotency
 * key per pipeline and step, so a step that runs twice starts its successor once)
 * and records it here.
 */
@Injectable()
export class PipelinesService {
  constructor(@InjectRepository(PipelineEntity) private readonly pipelines: Repository<PipelineEntity>) {}

  async create(documentId: string, options: PipelineOptions, secretHeaders: Record<string, string>, manager?: EntityManager): Promise<PipelineEntity> {
    const now = new Date();
    const entity = Object.assign(new PipelineEntity(), {
      id: uuidv7(),
      documentId,
      status: 'running' as const,
      options,
      secretHeaders,
      steps: {},
      createdAt: now,
      updatedAt: now,
    });
    await (manager ? manager.getRepository(PipelineEntity) : this.pipelines).insert(entity);
    return entity;
  }

  async get(id: string): Promise<PipelineEntity | null> {
    return this.pipelines.findOne({ where: { id } });
  }

  /** Records a step's task and output ids (merged into what is already known). */
  async recordStep<S extends PipelineStep>(id: string, step: S, data: NonNullable<PipelineSteps[S]>, status?: PipelineEntity['status']): Promise<void> {
    const pipeline = await this.get(id);
    if (!pipeline) return;
    pipeline.steps = { ...pipeline.steps, [step]: { ...(pipeline.steps[step] ?? {}), ...data } };
    if (status) pipeline.status = status;
    pipeline.updatedAt = new Date();
    await this.pipelines.update({ id }, { steps: pipeline.steps, status: pipeline.status, updatedAt: pipeline.updatedAt });
  }

  /** Idempotency key of a pipeline's step: the same step is never submitted twice. */
  static stepKey(id: string, step: PipelineStep): string {
    return `pipeline:${id}:${step}`;
  }
}
