/** Options of `TasksModule.forRoot` / `forRootAsync`. Times are milliseconds unless named otherwise. */
export interface TasksModuleOptions {
  /** Worker threads for `worker` handlers. @default 4 */
  maxCpuWorkers: number;
  /** `event-loop` handlers running at once. @default 16 */
  maxIoWorkers: number;
  /** Default task timeout, seconds. @default 300 */
  defaultTimeoutSeconds: number;
  /** Default retries after the first attempt. @default 3 */
  defaultMaxRetries: number;
  /** Backoff base and cap. @default 1000, 60000 */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Fallback poll interval. @default 1000 */
  pollIntervalMs: number;
  /** Lease renewal interval and lease length. @default 5000, 30000 */
  heartbeatIntervalMs: number;
  leaseMs: number;
  /** Grace between the cooperative abort and terminating a worker thread. @default 1000 */
  abortGraceMs: number;
  /** Heap limit of each worker thread (MB). @default 1024 */
  workerMaxMemoryMb?: number;
  /** Whether this process claims and runs tasks. @default true */
  workerEnabled: boolean;
  /** On shutdown, how long running tasks may take before they are handed back. @default 25 */
  shutdownGraceSeconds: number;
  /** A waiting task gains one priority level per this many ms; 0 turns aging off. @default 60000 */
  priorityAgingMs: number;
  /** Retention: completed/cancelled tasks are deleted after this many days. @default 7 */
  cleanupDays: number;
  /** Retention: failed/timed-out tasks are deleted after this many days. @default 30 */
  failedCleanupDays: number;
  /** Retention schedule (cron, with seconds optional). @default '0 * * * *' (hourly) */
  cleanupCron: string;
  /** Rows deleted per statement. @default 1000 */
  cleanupBatchSize: number;
  /** Cluster-wide concurrency limits per task type; override the handlers' `concurrency`. */
  typeConcurrency?: Record<string, number>;
  /** Task types that must have a handler, or start-up fails. @default [] */
  requiredTaskTypes?: string[];
  /**
   * Tasks claimed ahead (short tasks are claimed a batch ahead of the free slots) go back
   * to the queue when no slot has taken one for this long, for other instances. @default 1000
   */
  claimAheadHoldMs?: number;
  /** Concurrent group-commit inserts in flight. @default 2 (PostgreSQL), 1 (SQLite) */
  insertConcurrency?: number;
}
