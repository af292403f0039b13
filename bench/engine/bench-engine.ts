import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { tasksOptionsFromEnv } from '../../src/config/tasks-options';
import { AppConfigModule, EnvironmentVariables } from '../../src/config';
import { DatabaseModule } from '../../src/database/database.module';
import { TaskManager, TasksModule } from '../../src/modules/tasks';
import { TaskDispatcher } from '../../src/modules/tasks/task-dispatcher.service';
import { BenchTasksModule } from './bench-tasks.module';

@Module({})
class BenchEngineModule {
  static forRoot(env: Record<string, unknown>): DynamicModule {
    return {
      module: BenchEngineModule,
      imports: [
        AppConfigModule.forRoot(env),
        DatabaseModule,
        TasksModule.forRootAsync({ inject: [EnvironmentVariables], useFactory: (config: EnvironmentVariables) => tasksOptionsFromEnv(config) }),
        BenchTasksModule.forRoot({ cpu: env.BENCH_CPU_HANDLER === 'true' }),
      ],
    };
  }
}

export interface BenchEngine {
  app: INestApplicationContext;
  tasks: TaskManager;
  dispatcher: TaskDispatcher;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * The task engine alone (no HTTP), as a feature module would use it, with the
 * benchmark's handlers. `env` is the environment the service would get; only
 * what the scenario needs is set, everything else keeps its default.
 */
export async function startEngine(env: Record<string, string>): Promise<BenchEngine> {
  const app = await NestFactory.createApplicationContext(BenchEngineModule.forRoot({ NODE_ENV: 'production', ...env }), { logger: ['error', 'warn'] });
  await app.init();
  return {
    app,
    tasks: app.get(TaskManager),
    dispatcher: app.get(TaskDispatcher),
    dataSource: app.get<DataSource>(getDataSourceToken()),
    close: () => app.close(),
  };
}

/** Database settings of a scenario: PostgreSQL URL or SQLite file. */
export function dbEnv(db: { url?: string; sqlitePath?: string }): Record<string, string> {
  return db.url ? { DATABASE_URL: db.url } : { SQLITE_PATH: db.sqlitePath! };
}
