import type { TaskErrorInfo } from '../interfaces/task-record.interface';

/** Backoff settings (seed: base 1 s, cap 60 s, 10–30 % jitter). */
export interface RetryPolicyOptions {
  baseMs: number;
  maxMs: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Delay before retry number `retryIndex` (0 for the first retry):
 * `min(base · 2^retryIndex, max)` plus 10–30 % random jitter, as the seed design.
 */
export function backoffDelayMs(retryIndex: number, options: RetryPolicyOptions): number {
  const random = options.random ?? Math.random;
  const delay = Math.min(options.baseMs * 2 ** retryIndex, options.maxMs);
  const jitter = (0.1 + 0.2 * random()) * delay;
  return Math.round(delay + jitter);
}

/** Error codes of transient network and database failures. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'SQLITE_BUSY',
  '57P01', // PostgreSQL admin_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '08006', // connection_failure
  '08003', // connection_does_not_exist
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'ConnectTimeoutError', 'HeadersTimeoutError', 'BodyTimeoutError', 'SocketError']);
/** Connection failures that `pg` reports without a code. */
const TRANSIENT_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection ended unexpectedly)/;

/**
 * Whether an error is worth retrying. A `retryable` flag set by the handler wins
 * (see `RetryableTaskError`, `NonRetryableTaskError`); otherwise timeouts and
 * connection errors are transient and everything else fails at once.
 */
export function isRetryable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as { retryable?: unknown; code?: unknown; name?: unknown; message?: unknown; cause?: unknown; driverError?: unknown };
  if (typeof e.retryable === 'boolean') return e.retryable;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.message === 'string' && TRANSIENT_MESSAGES.test(e.message)) return true;
  // TypeORM wraps the driver's error in `driverError`; others chain it in `cause`.
  for (const inner of [e.cause, e.driverError]) if (inner !== undefined && inner !== error && isRetryable(inner)) return true;
  return false;
}

/** Turns anything thrown into the plain `TaskErrorInfo` stored on the task. */
export function toErrorInfo(error: unknown, attempt?: number): TaskErrorInfo {
  if (error instanceof Error || (error !== null && typeof error === 'object' && 'message' in error)) {
    const e = error as Error & { code?: unknown };
    return {
      name: typeof e.name === 'string' && e.name ? e.name : 'Error',
      message: String(e.message),
      stack: typeof e.stack === 'string' ? e.stack : undefined,
      retryable: isRetryable(error),
      code: typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : undefined,
      attempt,
      occurred_at: new Date().toISOString(),
    };
  }
  return { name: 'Error', message: String(error), retryable: false, attempt, occurred_at: new Date().toISOString() };
}
