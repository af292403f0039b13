import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule, EnvironmentVariables } from './config';
import { LoggingModule } from './common/logging/logging.module';
import { DatabaseModule } from './database/database.module';
import { DocumentsModule } from './modules/documents/documents.module';
import { HealthModule } from './modules/health/health.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { ReportsModule } from './modules/reports/reports.module';
import { TestSuitesModule } from './modules/test-suites/test-suites.module';
import { TasksModule } from './modules/tasks';
import { TasksApiModule } from './modules/tasks/tasks-api.module';
import { tasksOptionsFromEnv } from './config/tasks-options';

/** Task types the application's feature modules must handle (start-up fails otherwise). */
export const REQUIRED_TASK_TYPES: string[] = ['document_analysis', 'test_generation', 'test_execution', 'report_generation'];

/** The application. `env` is the raw environment; it is validated here, once. */
@Module({})
export class AppModule {
  static forRoot(env: Record<string, unknown>, extraImports: DynamicModule['imports'] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(env),
        LoggingModule,
        DatabaseModule,
        TasksModule.forRootAsync({
          inject: [EnvironmentVariables],
          useFactory: (config: EnvironmentVariables) => tasksOptionsFromEnv(config, REQUIRED_TASK_TYPES),
        }),
        TasksApiModule,
        HealthModule,
        MetricsModule,
        DocumentsModule,
        TestSuitesModule,
        ReportsModule,
        ...(extraImports ?? []),
      ],
    };
  }
}
