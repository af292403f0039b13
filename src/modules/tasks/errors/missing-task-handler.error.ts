/** Start-up error: a task type the application requires has no handler. */
export class MissingTaskHandlerError extends Error {
  constructor(taskTypes: string[]) {
    super(
      `No handler is registered for task type(s) ${taskTypes.map((t) => `"${t}"`).join(', ')}. ` +
        'Add a provider decorated with @TaskHandler(<type>) to the module that owns the type, ' +
        'or drop the type from TasksModule `requiredTaskTypes`.',
    );
    this.name = 'MissingTaskHandlerError';
  }
}
