/** The engine's storage was closed (the application is shutting down): the call was not carried out. */
export class TaskStoreClosedError extends Error {
  constructor() {
    super('The task store is closed: the application is shutting down.');
    this.name = 'TaskStoreClosedError';
  }
}
