import type { AttemptEnd, Completion, InsertResult, NewTaskRow } from './task-store.interface';

/*
 * Both stores send a batch to the database as one JSON array parameter
 * (`jsonb_to_recordset` on PostgreSQL, `jsonb_each` on SQLite): one statement and
 * one prepared plan whatever the batch size. Inputs and results are already
 * JSON text, so they are spliced in rather than parsed and serialised again.
 */

/** New task rows as a JSON array. */
export function newRowsJson(rows: readonly NewTaskRow[]): string {
  const parts = rows.map(
    (r) =>
      `{"id":"${r.taskId}","type":${JSON.stringify(r.taskType)},"priority":${r.priority},` +
      `"run_at":"${r.runAt.toISOString()}","created_at":"${r.createdAt.toISOString()}",` +
      `"input":${r.inputJson},"max_retries":${r.maxRetries},"timeout":${r.timeoutSeconds},` +
      `"metadata":${r.metadataJson},"key":${r.idempotencyKey === null ? 'null' : JSON.stringify(r.idempotencyKey)}` +
      (r.directClaim ? `,"locked_by":${JSON.stringify(r.directClaim.workerId)},"locked_until":"${r.directClaim.leaseUntil.toISOString()}"}` : '}'),
  );
  return `[${parts.join(',')}]`;
}

/**
 * New task rows as a JSON array of arrays, positions as in SQLite's INSERT:
 * [id, type, priority, run_at, created_at, input, max_retries, timeout, metadata,
 * key, locked_by, locked_until]. SQLite extracts by position faster than by name
 * (`value->>0` against `value->>'$.id'`: ~15 % more rows per second).
 */
export function newRowsArrayJson(rows: readonly NewTaskRow[]): string {
  const parts = rows.map(
    (r) =>
      `["${r.taskId}",${JSON.stringify(r.taskType)},${r.priority},"${r.runAt.toISOString()}","${r.createdAt.toISOString()}",` +
      `${r.inputJson},${r.maxRetries},${r.timeoutSeconds},${r.metadataJson},${r.idempotencyKey === null ? 'null' : JSON.stringify(r.idempotencyKey)},` +
      (r.directClaim ? `${JSON.stringify(r.directClaim.workerId)},"${r.directClaim.leaseUntil.toISOString()}"]` : 'null,null]'),
  );
  return `[${parts.join(',')}]`;
}

/**
 * Whether the rows differ only in id and input (a `submitMany`, or concurrent
 * submits of one type with the same options in one group commit): then the
 * shared values are bound once and only ids and inputs travel per row.
 */
export function isUniform(rows: readonly NewTaskRow[]): boolean {
  const [a] = rows;
  return rows.every(
    (r) =>
      r.idempotencyKey === null &&
      !r.directClaim &&
      r.taskType === a.taskType &&
      r.priority === a.priority &&
      r.runAt.getTime() === a.runAt.getTime() &&
      r.createdAt.getTime() === a.createdAt.getTime() &&
      r.maxRetries === a.maxRetries &&
      r.timeoutSeconds === a.timeoutSeconds &&
      r.metadataJson === a.metadataJson,
  );
}

/** Uniform rows (see `isUniform`) as a JSON array of [id, input] pairs. */
export function idInputPairsJson(rows: readonly NewTaskRow[]): string {
  return `[${rows.map((r) => `["${r.taskId}",${r.inputJson}]`).join(',')}]`;
}

/** Successful attempts as a JSON array. */
export function completionsJson(completions: readonly Completion[]): string {
  const parts = completions.map(
    (c) =>
      `{"id":"${c.taskId}","attempt":${c.attempt},"result":${c.resultJson ?? 'null'},"ended_at":"${c.endedAt.toISOString()}"` +
      `${c.progressMessage === null ? '' : `,"message":${JSON.stringify(c.progressMessage)}`}}`,
  );
  return `[${parts.join(',')}]`;
}

/** Other attempt ends as a JSON array. */
export function attemptEndsJson(ends: readonly AttemptEnd[]): string {
  return JSON.stringify(
    ends.map((e) => ({
      id: e.taskId,
      attempt: e.attempt,
      status: e.status,
      outcome: e.outcome,
      ended_at: e.endedAt.toISOString(),
      error: e.errorInfo,
      retry_at: e.retryAt?.toISOString() ?? null,
    })),
  );
}

/** What a store reports for a row it inserted. */
export function insertedResult(row: NewTaskRow): InsertResult {
  return { taskId: row.taskId, created: true, status: row.directClaim ? 'running' : 'pending' };
}
