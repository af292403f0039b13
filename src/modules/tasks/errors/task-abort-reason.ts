/** Why a running task's signal fired. */
export type TaskAbortKind = 'timeout' | 'cancelled' | 'lease-lost' | 'shutdown';

/** The `reason` of an aborted task signal. A handler may check `signal.reason.kind`. */
export class TaskAbortReason extends Error {
  constructor(
    readonly kind: TaskAbortKind,
    message: string,
  ) {
    super(message);
    this.name = kind === 'timeout' ? 'TaskTimeoutError' : kind === 'cancelled' ? 'TaskCancelledError' : 'TaskAbortedError';
  }
}
