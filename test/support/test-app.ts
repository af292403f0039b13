import type { DynamicModule } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { TaskManager, type TaskRecord, type TaskStatus } from '../../src/modules/tasks';
import { TaskDispatcher } from '../../src/modules/tasks/task-dispatcher.service';
import { waitFor } from './wait';

/** Settings that keep tests fast: small pools, short poll and heartbeat, tiny backoff. */
export const FAST_ENGINE_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  TASK_MAX_CPU_WORKERS: '2',
  TASK_MAX_IO_WORKERS: '8',
  TASK_POLL_INTERVAL_MS: '200',
  TASK_HEARTBEAT_INTERVAL_MS: '200',
  TASK_LEASE_MS: '2000',
  TASK_RETRY_BASE_MS: '50',
  TASK_RETRY_MAX_MS: '1000',
  TASK_ABORT_GRACE_MS: '200',
  TASK_SHUTDOWN_GRACE_SECONDS: '2',
};

export interface TestApp {
  app: NestExpressApplication;
  tasks: TaskManager;
  dispatcher: TaskDispatcher;
  close(): Promise<void>;
  /** Waits until the task is in one of `statuses` and returns it. */
  waitForStatus(taskId: string, statuses: TaskStatus | TaskStatus[], timeoutMs?: number): Promise<TaskRecord>;
}

/**
 * Boots the real application (real database, real migrations, real dispatcher)
 * with extra modules (test handlers) and environment overrides, configured as
 * main.ts configures it. It listens on an ephemeral port only when asked.
 */
export async function createTestApp(options: {
  env: Record<string, string>;
  imports?: DynamicModule['imports'];
  listen?: boolean;
}): Promise<TestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ ...FAST_ENGINE_ENV, ...options.env }, options.imports)],
  }).compile();
  moduleRef.useLogger(['error', 'warn']);
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
  configureApp(app);
  if (options.listen) await app.listen(0, '127.0.0.1');
  else await app.init();
  const tasks = app.get(TaskManager);
  return {
    app,
    tasks,
    dispatcher: app.get(TaskDispatcher),
    close: () => app.close(),
    waitForStatus: async (taskId, statuses, timeoutMs = 15_000) => {
      const wanted = Array.isArray(statuses) ? statuses : [statuses];
      let last: TaskRecord | null = null;
      try {
        return await waitFor(async () => {
          last = await tasks.find(taskId);
          return last && wanted.includes(last.status) ? last : null;
        }, `task ${taskId} to be ${wanted.join('/')}`, timeoutMs);
      } catch (error) {
        throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last)}`, { cause: error });
      }
    },
  };
}
