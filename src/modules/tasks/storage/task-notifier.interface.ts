import type { ClaimConnection } from './task-store.interface';

/** Handlers for notifications from other processes. */
export interface TaskNotificationHandlers {
  /**
   * Another process committed new tasks (or the connection was re-established and some may have been missed).
   * `via`: the connection the notification arrived on, for the claim that answers it.
   */
  onNewTasks(via?: ClaimConnection): void;
  /** Another process asked to cancel a running task. */
  onCancel(taskId: string): void;
}

/**
 * Cross-process wake-ups. PostgreSQL: LISTEN/NOTIFY. SQLite: nothing to do — it
 * is single-node, in-process events cover the common case and the poll and the
 * lease heartbeat cover the rest.
 */
export interface TaskNotifier {
  /** Starts listening (idempotent). */
  listen(handlers: TaskNotificationHandlers): Promise<void>;
  /** Tells other processes that new tasks were committed. Rate-limited and coalesced. */
  notifyNewTasks(): void;
  /**
   * When a notification is due now (none sent recently), reserves it for the
   * caller to send inside its insert statement, and returns the channel and
   * payload; otherwise null (call `notifyNewTasks()` after the insert instead).
   */
  takeInlineNotification(): { channel: string; payload: string } | null;
  /** Tells other processes that a running task should be cancelled. */
  notifyCancel(taskId: string): Promise<void>;
  /** SQL to run inside a caller's transaction so that other processes are woken when it commits, or null. */
  notifyInTransactionSql(): string | null;
  close(): Promise<void>;
}

/** The notifier of the single-node SQLite store. */
export class LocalTaskNotifier implements TaskNotifier {
  async listen(): Promise<void> {}
  notifyNewTasks(): void {}
  takeInlineNotification(): null {
    return null;
  }
  async notifyCancel(): Promise<void> {}
  notifyInTransactionSql(): string | null {
    return null;
  }
  async close(): Promise<void> {}
}
