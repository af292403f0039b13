/**
 * Throw from a handler to fail the task at once, even for an error class that
 * would otherwise be retried (for example a connection error to a target that
 * will never answer).
 */
export class NonRetryableTaskError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableTaskError';
  }
}
