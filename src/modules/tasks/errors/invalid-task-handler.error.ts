/** Start-up error: a `@TaskHandler` is declared in a way the engine cannot run. */
export class InvalidTaskHandlerError extends Error {
  constructor(provider: string, taskType: string, reason: string) {
    super(`@TaskHandler("${taskType}") on ${provider} is invalid: ${reason}`);
    this.name = 'InvalidTaskHandlerError';
  }
}
