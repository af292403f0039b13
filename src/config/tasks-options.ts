import type { TasksModuleOptions } from '../modules/tasks/interfaces/tasks-module-options.interface';
import type { EnvironmentVariables } from './environment-variables';

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

/** The task engine's options from the validated environment. */
export function tasksOptionsFromEnv(config: EnvironmentVariables, requiredTaskTypes: string[] = []): TasksModuleOptions {
  return {
    maxCpuWorkers: config.TASK_MAX_CPU_WORKERS,
    maxIoWorkers: config.TASK_MAX_IO_WORKERS,
    defaultTimeoutSeconds: config.TASK_DEFAULT_TIMEOUT,
    defaultMaxRetries: config.TASK_MAX_RETRIES,
    retryBaseMs: config.TASK_RETRY_BASE_MS,
    retryMaxMs: config.TASK_RETRY_MAX_MS,
    pollIntervalMs: config.TASK_POLL_INTERVAL_MS,
    heartbeatIntervalMs: config.TASK_HEARTBEAT_INTERVAL_MS,
    leaseMs: config.TASK_LEASE_MS,
    claimAheadHoldMs: config.TASK_CLAIM_AHEAD_HOLD_MS,
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
    requiredTaskTypes,
  };
}
