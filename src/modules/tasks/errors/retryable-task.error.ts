/**
 * Throw from a handler to say "this may work if tried again" (a flaky
 * dependency, a rate limit). The task is retried with backoff up to its
 * `max_retries`.
 */
export class RetryableTaskError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableTaskError';
  }
}
