/**
 * Public surface of the task engine. Everything else under `modules/tasks`
 * (entity, storage, dispatcher, executors, explorer) is internal. The HTTP API,
 * `TasksApiModule`, is imported from its own file: importing the engine does not
 * load the controller, its DTOs and Swagger.
 */
export { TasksModule } from './tasks.module';
export { TaskManager, type SubmitOptions, type SubmittedTask } from './task-manager.service';
export { TaskHandler } from './decorators/task-handler.decorator';
export type { TaskTypeMap, TaskType, TaskInput, TaskResult } from './interfaces/task-type-map.interface';
export type {
  TaskContext,
  EventLoopTaskHandler,
  WorkerTaskHooks,
  WorkerTaskContext,
  TaskHandlerOptions,
} from './interfaces/task-handler.interface';
export type { TaskRecord, TaskErrorInfo, TaskAttempt } from './interfaces/task-record.interface';
export type { TasksModuleOptions } from './interfaces/tasks-module-options.interface';
export type { TaskStatistics } from './monitor/task-monitor.service';
export type { TaskListFilter, TaskPage } from './task-query.service';
export { TaskStatus, TaskPriority, TASK_STATUSES, TERMINAL_STATUSES } from './task.constants';
export { TaskAbortReason } from './errors/task-abort-reason';
export { taskLogContext, type TaskLogFields } from './task-log-context';
export { RETENTION_JOB, TaskRetentionService, type PurgeReport } from './task-retention.service';
export * from './errors';
