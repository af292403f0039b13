/** A submit named a task type that no handler serves. */
export class UnknownTaskTypeError extends Error {
  constructor(readonly taskType: string) {
    super(`Unknown task type "${taskType}": no @TaskHandler is registered for it.`);
    this.name = 'UnknownTaskTypeError';
  }
}
