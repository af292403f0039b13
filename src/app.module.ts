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

/** Task types the application's feature modules must handle (start-up fails otherwise). */
export const REQUIRED_TASK_TYPES: string[] = ['document_analysis', 'test_generation', 'test_execution', 'report_generation'];

/** `"a=2, b=5"` → `{ a: 2, b: 5 }` (the format is checked by the configuration validation). */
function parseTypeConcurrency(value: string): Record<string, number> {
  return Object.fromEntries(
    value
      .split(',')
      .map((pair) => pair.split('=').map((part) => part.trim()))
      .filter(([type, limit]) => type && limit)
      .map(([type, limit]) => [type, Number(limit)]),
  );
}

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
          useFactory: (config: EnvironmentVariables) => ({
            maxCpuWorkers: config.TASK_MAX_CPU_WORKERS,
            maxIoWorkers: config.TASK_MAX_IO_WORKERS,
            defaultTimeoutSeconds: config.TASK_DEFAULT_TIMEOUT,
            defaultMaxRetries: config.TASK_MAX_RETRIES,
            retryBaseMs: config.TASK_RETRY_BASE_MS,
            retryMaxMs: config.TASK_RETRY_MAX_MS,
            pollIntervalMs: config.TASK_POLL_INTERVAL_MS,
            heartbeatIntervalMs: config.TASK_HEARTBEAT_INTERVAL_MS,
            leaseMs: config.TASK_LEASE_MS,
            abortGraceMs: config.TASK_ABORT_GRACE_MS,
            workerEnabled: config.TASK_WORKER_ENABLED,
            workerMaxMemoryMb: config.TASK_WORKER_MAX_MEMORY_MB,
            shutdownGraceSeconds: config.TASK_SHUTDOWN_GRACE_SECONDS,
            priorityAgingMs: config.TASK_PRIORITY_AGING_MS,
            cleanupDays: config.TASK_CLEANUP_DAYS,
            failedCleanupDays: config.TASK_FAILED_CLEANUP_DAYS,
            cleanupCron: config.TASK_CLEANUP_CRON,
            cleanupBatchSize: config.TASK_CLEANUP_BATCH_SIZE,
            typeConcurrency: parseTypeConcurrency(config.TASK_TYPE_CONCURRENCY),
            requiredTaskTypes: REQUIRED_TASK_TYPES,
          }),
        }),
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
