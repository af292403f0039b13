import { TaskStatus } from '../task.constants';

/** What a failed attempt left behind; crosses the worker-thread boundary as plain data. */
export interface TaskErrorInfo {
  name: string;
  message: string;
  stack?: string;
  /** Whether the engine considered the error transient (a retry may succeed). */
  retryable: boolean;
  code?: string;
  /** The attempt (1-based) that raised it. */
  attempt?: number;
  occurred_at?: string;
}

/** How an attempt ended. `lost`: the worker holding it vanished; `released`: handed back at shutdown. */
export type TaskAttemptOutcome = 'completed' | 'failed' | 'timeout' | 'cancelled' | 'lost' | 'released';

/** One entry of a task's attempt history. */
export interface TaskAttempt {
  attempt: number;
  started_at: string | null;
  ended_at: string;
  outcome: TaskAttemptOutcome;
  worker?: string | null;
  error?: { name: string; message: string } | null;
}

/**
 * A task as the REST API and the manager return it. Field names are the seed's
 * (`task_id`, `input_data`, …); times are ISO-8601 strings in UTC.
 */
export interface TaskRecord<I = unknown, R = unknown> {
  task_id: string;
  task_type: string;
  status: TaskStatus;
  priority: number;
  created_at: string;
  updated_at: string;
  run_at: string;
  started_at: string | null;
  completed_at: string | null;
  input_data: I;
  result_data: R | null;
  error_info: TaskErrorInfo | null;
  retry_count: number;
  max_retries: number;
  timeout_seconds: number;
  metadata: Record<string, unknown>;
  progress: number;
  progress_message: string | null;
  idempotency_key: string | null;
  /** Attempts started so far (the running one included). */
  attempt: number;
  attempt_history: TaskAttempt[];
  locked_by: string | null;
  locked_until: string | null;
  cancel_requested_at: string | null;
}
