/** No task has this id (it never existed or was purged). */
export class TaskNotFoundError extends Error {
  constructor(readonly taskId: string) {
    super(`Task ${taskId} was not found.`);
    this.name = 'TaskNotFoundError';
  }
}
