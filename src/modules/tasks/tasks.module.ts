import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { TaskEntity } from './entities/task.entity';
import { TaskMonitor } from './monitor/task-monitor.service';
import { PostgresTaskNotifier } from './storage/postgres-task.notifier';
import { PostgresTaskStore } from './storage/postgres-task.store';
import { SqliteTaskStore } from './storage/sqlite-task.store';
import { LocalTaskNotifier, type TaskNotifier } from './storage/task-notifier.interface';
import type { TaskStore } from './storage/task-store.interface';
import { TaskDispatcher } from './task-dispatcher.service';
import { TaskEvents } from './task-events';
import { TaskHandlerRegistry } from './task-handler.registry';
import { TaskManager } from './task-manager.service';
import { TaskQueryService } from './task-query.service';
import { TaskRetentionService } from './task-retention.service';
import { TASK_NOTIFIER, TASK_STORE, TASK_WORKER_ID, TASKS_MODULE_OPTIONS } from './task.constants';
import { TasksExplorer } from './tasks.explorer';
import { TASKS_OPTIONS_TOKEN, TasksConfigurableModule } from './tasks.module-definition';

/**
 * The durable task engine. Import once with `TasksModule.forRoot(…)` /
 * `forRootAsync(…)` (global by default); feature modules then inject
 * `TaskManager` and declare their handlers with `@TaskHandler`. The HTTP API
 * over it is `TasksApiModule`, imported separately where it is served.
 */
@Module({
  imports: [DiscoveryModule, ScheduleModule.forRoot(), TypeOrmModule.forFeature([TaskEntity])],
  providers: [
    { provide: TASKS_MODULE_OPTIONS, useExisting: TASKS_OPTIONS_TOKEN },
    {
      provide: TASK_WORKER_ID,
      useFactory: () => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    },
    {
      provide: TASK_STORE,
      inject: [getDataSourceToken()],
      useFactory: async (dataSource: DataSource): Promise<TaskStore> => {
        const store = dataSource.options.type === 'postgres' ? new PostgresTaskStore(dataSource) : new SqliteTaskStore(dataSource);
        await store.init();
        return store;
      },
    },
    {
      provide: TASK_NOTIFIER,
      inject: [getDataSourceToken(), TASK_WORKER_ID],
      useFactory: (dataSource: DataSource, workerId: string): TaskNotifier =>
        dataSource.options.type === 'postgres' ? new PostgresTaskNotifier(dataSource, workerId) : new LocalTaskNotifier(),
    },
    TaskHandlerRegistry,
    TasksExplorer,
    TaskEvents,
    TaskQueryService,
    TaskDispatcher,
    TaskMonitor,
    TaskManager,
    TaskRetentionService,
  ],
  exports: [TaskManager, TaskDispatcher, TaskMonitor, TaskEvents, TaskQueryService, TaskRetentionService, TaskHandlerRegistry, TASK_STORE],
})
export class TasksModule extends TasksConfigurableModule implements OnApplicationShutdown {
  constructor(
    @Inject(TASK_STORE) private readonly store: TaskStore,
    @Inject(TASK_NOTIFIER) private readonly notifier: TaskNotifier,
  ) {
    super();
  }

  /** Runs after the dispatcher has drained (`beforeApplicationShutdown`). */
  async onApplicationShutdown(): Promise<void> {
    await this.notifier.close();
    await this.store.close();
  }
}
