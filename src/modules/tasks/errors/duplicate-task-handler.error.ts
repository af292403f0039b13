/** Start-up error: two providers declare `@TaskHandler` for the same task type. */
export class DuplicateTaskHandlerError extends Error {
  constructor(taskType: string, first: string, second: string) {
    super(
      `Task type "${taskType}" has two handlers: ${first} and ${second}. ` +
        'Each task type must have exactly one @TaskHandler; remove or rename one of them.',
    );
    this.name = 'DuplicateTaskHandlerError';
  }
}
