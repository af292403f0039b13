/** A submit carried an option outside its allowed range (priority, timeout, retries, …). */
export class InvalidTaskOptionsError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field} ${message}`);
    this.name = 'InvalidTaskOptionsError';
  }
}
