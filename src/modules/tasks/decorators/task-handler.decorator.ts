import { SetMetadata } from '@nestjs/common';
import type { TaskHandlerOptions } from '../interfaces/task-handler.interface';
import type { TaskType } from '../interfaces/task-type-map.interface';
import { TASK_HANDLER_METADATA } from '../task.constants';

/** What `@TaskHandler` stores on a provider class. */
export interface TaskHandlerMetadata extends TaskHandlerOptions {
  taskType: string;
}

/**
 * Marks a provider as the handler of one task type. The `TasksModule` finds it
 * at start-up; a second handler for the same type, or none for a required type,
 * stops start-up.
 *
 * @example
 * // event-loop (I/O-bound): the provider's `handle()` runs on the main thread, with DI
 * @TaskHandler('test_execution', { executor: 'event-loop' })
 * export class TestExecutionHandler implements EventLoopTaskHandler<'test_execution'> {
 *   async handle(input, ctx) { … }
 * }
 *
 * // worker (CPU-bound): the file's default export runs in a worker thread
 * @TaskHandler('document_analysis', { executor: 'worker', file: join(__dirname, 'document-analysis.worker') })
 * export class DocumentAnalysisHandler implements WorkerTaskHooks<'document_analysis'> {}
 */
export function TaskHandler<T extends TaskType>(taskType: T, options: TaskHandlerOptions): ClassDecorator {
  return SetMetadata<string, TaskHandlerMetadata>(TASK_HANDLER_METADATA, { taskType, ...options });
}
