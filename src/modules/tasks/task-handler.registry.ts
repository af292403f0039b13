import { Injectable } from '@nestjs/common';
import { DuplicateTaskHandlerError } from './errors/duplicate-task-handler.error';
import { InvalidTaskHandlerError } from './errors/invalid-task-handler.error';
import { MissingTaskHandlerError } from './errors/missing-task-handler.error';
import type { EventLoopTaskHandler, WorkerTaskHooks } from './interfaces/task-handler.interface';
import type { TaskExecutorKind } from './task.constants';
import type { TaskHandlerMetadata } from './decorators/task-handler.decorator';

/** A handler as the engine runs it. */
export interface RegisteredTaskHandler {
  taskType: string;
  executor: TaskExecutorKind;
  /** For `worker` handlers: the module run in the thread. */
  file?: string;
  timeoutSeconds?: number;
  maxRetries?: number;
  /** Cluster-wide limit of running tasks of this type. */
  concurrency?: number;
  /** Name of the provider class, for messages. */
  providerName: string;
  /** For `event-loop` handlers. */
  handle?: EventLoopTaskHandler<never>['handle'];
  /** For `worker` handlers. */
  prepare?: WorkerTaskHooks<never>['prepare'];
  finish?: WorkerTaskHooks<never>['finish'];
}

/** Every task type this process knows, with its handler. Filled once at start-up by `TasksExplorer`. */
@Injectable()
export class TaskHandlerRegistry {
  private readonly handlers = new Map<string, RegisteredTaskHandler>();
  /** `types()` per executor, worked out once per registration (the dispatcher asks at every claim). */
  private readonly typesCache = new Map<TaskExecutorKind | 'all', readonly string[]>();

  register(metadata: TaskHandlerMetadata, instance: object, providerName: string): void {
    const existing = this.handlers.get(metadata.taskType);
    if (existing) throw new DuplicateTaskHandlerError(metadata.taskType, existing.providerName, providerName);
    if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(metadata.taskType)) {
      throw new InvalidTaskHandlerError(providerName, metadata.taskType, 'a task type is 1–100 characters of letters, digits, "_", ".", ":" or "-".');
    }
    const target = instance as Partial<EventLoopTaskHandler<never> & WorkerTaskHooks<never>>;
    const entry: RegisteredTaskHandler = {
      taskType: metadata.taskType,
      executor: metadata.executor,
      timeoutSeconds: metadata.timeoutSeconds,
      maxRetries: metadata.maxRetries,
      concurrency: metadata.concurrency,
      providerName,
    };
    if (metadata.concurrency !== undefined && (!Number.isInteger(metadata.concurrency) || metadata.concurrency < 1)) {
      throw new InvalidTaskHandlerError(providerName, metadata.taskType, 'concurrency must be a positive integer.');
    }
    if (metadata.executor === 'event-loop') {
      if (typeof target.handle !== 'function') {
        throw new InvalidTaskHandlerError(providerName, metadata.taskType, 'an event-loop handler must have a handle(input, context) method.');
      }
      entry.handle = target.handle.bind(instance);
    } else if (metadata.executor === 'worker') {
      if (!metadata.file) {
        throw new InvalidTaskHandlerError(providerName, metadata.taskType, 'a worker handler must name the file whose default export runs in the thread (option `file`).');
      }
      entry.file = metadata.file;
      entry.prepare = typeof target.prepare === 'function' ? target.prepare.bind(instance) : undefined;
      entry.finish = typeof target.finish === 'function' ? target.finish.bind(instance) : undefined;
    } else {
      throw new InvalidTaskHandlerError(providerName, metadata.taskType, `unknown executor "${String(metadata.executor)}" (use "worker" or "event-loop").`);
    }
    this.handlers.set(metadata.taskType, entry);
    this.typesCache.clear();
  }

  /** Stops start-up if a required type has no handler. */
  assertRegistered(required: readonly string[]): void {
    const missing = required.filter((type) => !this.handlers.has(type));
    if (missing.length > 0) throw new MissingTaskHandlerError(missing);
  }

  get(taskType: string): RegisteredTaskHandler | undefined {
    return this.handlers.get(taskType);
  }

  types(executor?: TaskExecutorKind): readonly string[] {
    const key = executor ?? 'all';
    let types = this.typesCache.get(key);
    if (!types) {
      types = Object.freeze([...this.handlers.values()].filter((h) => !executor || h.executor === executor).map((h) => h.taskType));
      this.typesCache.set(key, types);
    }
    return types;
  }

  all(): RegisteredTaskHandler[] {
    return [...this.handlers.values()];
  }
}
