import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { TaskHandlerMetadata } from './decorators/task-handler.decorator';
import type { TasksModuleOptions } from './interfaces/tasks-module-options.interface';
import { TASK_HANDLER_METADATA, TASKS_MODULE_OPTIONS } from './task.constants';
import { TaskHandlerRegistry } from './task-handler.registry';

/**
 * Finds every provider decorated with `@TaskHandler` when the modules start and
 * registers it. Fails start-up on a duplicate or an invalid handler, and on a
 * required task type nobody handles.
 */
@Injectable()
export class TasksExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly registry: TaskHandlerRegistry,
    @Inject(TASKS_MODULE_OPTIONS) private readonly options: TasksModuleOptions,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || typeof instance !== 'object') continue;
      const target = (instance.constructor ?? metatype) as object | undefined;
      if (!target) continue;
      const metadata = this.reflector.get<TaskHandlerMetadata | undefined>(TASK_HANDLER_METADATA, target as never);
      if (!metadata) continue;
      this.registry.register(metadata, instance as object, (target as { name?: string }).name ?? String(wrapper.token));
    }
    this.registry.assertRegistered(this.options.requiredTaskTypes ?? []);
  }
}
