import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AllExceptionsFilter } from '../../src/common/all-exceptions.filter';
import { TaskPriority, TaskStateConflictError, TaskStoreClosedError, type TaskRecord } from '../../src/modules/tasks';
import { Client } from 'pg';
import { CLAIM, ENGINE_SESSION_OPTIONS } from '../../src/modules/tasks/storage/postgres-task.store';
import type { TaskStore } from '../../src/modules/tasks/storage/task-store.interface';
import { TASK_STORE } from '../../src/modules/tasks/task.constants';
import { TestProbe, TestTasksModule } from '../fixtures/test-tasks.module';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';
import { sleep, waitFor } from '../support/wait';

/** Thread ids of the worker pool's live threads (to see a thread terminated and replaced). */
function poolThreadIds(t: TestApp): number[] {
  const executors = (t.dispatcher as unknown as { executors: { worker: { pool: { threads: Array<{ threadId: number }> } } } }).executors;
  return executors.worker.pool.threads.map((w) => w.threadId).sort();
}

const ms = (iso: string | null | undefined): number => new Date(iso!).getTime();

describe(`Task engine on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let probe: TestProbe;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ env: { ...db.env, TASK_MAX_IO_WORKERS: '4' }, imports: [TestTasksModule] });
    probe = t.app.get(TestProbe);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('runs a submitted task and stores its result', async () => {
    const submitted = await t.tasks.submit('test.echo', { value: { hello: 'world' } });
    // Queued, or already taken by the idle local dispatcher (see "Tasks taken at submit").
    expect(submitted).toEqual({ task_id: expect.any(String), status: expect.stringMatching(/^(pending|running)$/), created: true });
    const done = await t.waitForStatus(submitted.task_id, 'completed');
    expect(done.result_data).toEqual({ value: { hello: 'world' } });
    expect(done.input_data).toEqual({ value: { hello: 'world' } });
    expect(done.progress).toBe(100);
    expect(done.attempt).toBe(1);
    expect(done.retry_count).toBe(0);
    expect(ms(done.started_at)).toBeLessThanOrEqual(ms(done.completed_at));
    expect(done.locked_by).toBeNull();
    expect(done.attempt_history).toEqual([
      { attempt: 1, started_at: done.started_at, ended_at: done.completed_at, outcome: 'completed', worker: t.dispatcher.workerId, error: null },
    ]);
  });

  it('runs a worker-thread task and records its progress on the task', async () => {
    const { task_id } = await t.tasks.submit('test.sum', { n: 1000, progressDelayMs: 600 });
    const midway = await waitFor(async () => {
      const task = await t.tasks.find(task_id);
      return task?.progress === 50 ? task : null;
    }, 'progress 50');
    expect(midway.status).toBe('running');
    expect(midway.progress_message).toBe('half way');
    const done = await t.waitForStatus(task_id, 'completed');
    expect(done.result_data).toMatchObject({ total: 500500, attempt: 1 });
    expect((done.result_data as { threadId: number }).threadId).toBeGreaterThan(0);
  });

  describe('retries', () => {
    it('retries a retryable error with backoff, then completes; error_info keeps the last error, the history keeps all', async () => {
      const { task_id } = await t.tasks.submit('test.flaky', { failures: 2 }, { maxRetries: 3 });
      const done = await t.waitForStatus(task_id, 'completed');
      expect(done.retry_count).toBe(2);
      expect(done.attempt).toBe(3);
      expect(done.result_data).toEqual({ attempts: 3 });
      expect(done.error_info).toMatchObject({ name: 'RetryableTaskError', message: 'transient failure on attempt 2', retryable: true, attempt: 2 });
      expect(done.attempt_history.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, 'failed'],
        [2, 'failed'],
        [3, 'completed'],
      ]);
      expect(done.attempt_history[0].error).toEqual({ name: 'RetryableTaskError', message: 'transient failure on attempt 1' });
      // Backoff with base 50 ms: retry n waits 50·2^n plus 10–30 % jitter before it may start.
      const [first, second, third] = done.attempt_history;
      const gap1 = ms(second.started_at) - ms(first.ended_at);
      const gap2 = ms(third.started_at) - ms(second.ended_at);
      expect(gap1).toBeGreaterThanOrEqual(55);
      expect(gap2).toBeGreaterThanOrEqual(110);
      expect(gap1).toBeLessThan(1000);
      expect(gap2).toBeLessThan(1000);
    });

    it('fails at once on a non-retryable error', async () => {
      const { task_id } = await t.tasks.submit('test.flaky', { failures: 5, retryable: false }, { maxRetries: 3 });
      const failed = await t.waitForStatus(task_id, 'failed');
      expect(failed.attempt).toBe(1);
      expect(failed.retry_count).toBe(0);
      expect(failed.error_info).toMatchObject({ name: 'NonRetryableTaskError', retryable: false, message: 'permanent failure on attempt 1' });
      expect(failed.error_info?.stack).toContain('NonRetryableTaskError');
      expect(failed.completed_at).not.toBeNull();
    });

    it('fails after max_retries when every attempt fails', async () => {
      const { task_id } = await t.tasks.submit('test.flaky', { failures: 10 }, { maxRetries: 1 });
      const failed = await t.waitForStatus(task_id, 'failed');
      expect(failed.attempt).toBe(2);
      expect(failed.retry_count).toBe(1);
      expect(failed.attempt_history.map((a) => a.outcome)).toEqual(['failed', 'failed']);
    });

    it('carries a worker-thread error across the thread boundary with name, stack and retryable flag', async () => {
      const fatal = await t.tasks.submit('test.sum', { n: 1, fail: 'fatal' }, { maxRetries: 2 });
      const flaky = await t.tasks.submit('test.sum', { n: 1, fail: 'retryable' }, { maxRetries: 1 });
      const fatalTask = await t.waitForStatus(fatal.task_id, 'failed');
      expect(fatalTask.attempt).toBe(1);
      expect(fatalTask.error_info).toMatchObject({ name: 'TypeError', message: 'bad input in worker', retryable: false });
      expect(fatalTask.error_info?.stack).toContain('sum.worker');
      const flakyTask = await t.waitForStatus(flaky.task_id, 'failed');
      expect(flakyTask.attempt).toBe(2);
      expect(flakyTask.error_info).toMatchObject({ name: 'RetryableTaskError', retryable: true });
    });
  });

  describe('timeouts', () => {
    it('terminates a worker thread stuck in an endless loop, ends `timeout` after its retries, and keeps serving', async () => {
      const before = poolThreadIds(t);
      const { task_id } = await t.tasks.submit('test.spin', {}, { timeoutSeconds: 1, maxRetries: 1 });
      const timedOut = await t.waitForStatus(task_id, 'timeout', 20_000);
      expect(timedOut.attempt).toBe(2);
      expect(timedOut.retry_count).toBe(1);
      expect(timedOut.error_info).toMatchObject({ name: 'TaskTimeoutError', message: 'Task timed out after 1 s', retryable: true });
      expect(timedOut.attempt_history.map((a) => a.outcome)).toEqual(['timeout', 'timeout']);
      // Each attempt was stopped about 1 s after it started (plus the 200 ms abort grace).
      for (const attempt of timedOut.attempt_history) {
        const ran = ms(attempt.ended_at) - ms(attempt.started_at);
        expect(ran).toBeGreaterThanOrEqual(1000);
        expect(ran).toBeLessThan(5000);
      }
      // The spinning threads were terminated and replaced: the pool has its size with new threads.
      const after = await waitFor(() => {
        const ids = poolThreadIds(t);
        return ids.length === before.length ? ids : null;
      }, 'the pool to be back to size');
      expect(after.filter((id) => !before.includes(id)).length).toBeGreaterThanOrEqual(1);
      const { task_id: next } = await t.tasks.submit('test.sum', { n: 10 });
      expect((await t.waitForStatus(next, 'completed')).result_data).toMatchObject({ total: 55 });
    });

    it('aborts the signal of an event-loop handler past its timeout', async () => {
      const { task_id } = await t.tasks.submit('test.hang', { label: 'slow' }, { timeoutSeconds: 1, maxRetries: 0 });
      const timedOut = await t.waitForStatus(task_id, 'timeout');
      expect(probe.aborted.get(task_id)).toBe('timeout');
      expect(timedOut.error_info?.name).toBe('TaskTimeoutError');
    });

    it('frees the slot of an event-loop handler that ignores its signal', async () => {
      // Four slots; four handlers that never return and ignore their signal.
      const stuck = await Promise.all([1, 2, 3, 4].map(() => t.tasks.submit('test.stubborn', {}, { timeoutSeconds: 1, maxRetries: 0 })));
      await Promise.all(stuck.map((s) => t.waitForStatus(s.task_id, 'timeout')));
      const { task_id } = await t.tasks.submit('test.echo', { value: 'after' });
      expect((await t.waitForStatus(task_id, 'completed', 5000)).result_data).toEqual({ value: 'after' });
    });
  });

  describe('cancel', () => {
    it('cancels a pending task at once', async () => {
      const { task_id } = await t.tasks.submit('test.echo', { value: 1 }, { delayMs: 60_000 });
      const cancelled = await t.tasks.cancel(task_id);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.completed_at).not.toBeNull();
      await sleep(300);
      expect((await t.tasks.get(task_id)).status).toBe('cancelled');
    });

    it('cancels a running endless worker task and terminates its thread', async () => {
      const before = poolThreadIds(t);
      const { task_id } = await t.tasks.submit('test.spin', {}, { timeoutSeconds: 120 });
      await t.waitForStatus(task_id, 'running');
      const requested = await t.tasks.cancel(task_id);
      expect(requested.status).toBe('running');
      expect(requested.cancel_requested_at).not.toBeNull();
      const cancelled = await t.waitForStatus(task_id, 'cancelled', 5000);
      expect(cancelled.attempt_history.map((a) => a.outcome)).toEqual(['cancelled']);
      const after = await waitFor(() => {
        const ids = poolThreadIds(t);
        return ids.length === before.length && ids.some((id) => !before.includes(id)) ? ids : null;
      }, 'a replacement thread');
      expect(after).toHaveLength(before.length);
    });

    it('cancels a cooperative running task through its signal', async () => {
      const { task_id } = await t.tasks.submit('test.hang', {});
      await t.waitForStatus(task_id, 'running');
      await t.tasks.cancel(task_id);
      await t.waitForStatus(task_id, 'cancelled', 5000);
      expect(probe.aborted.get(task_id)).toBe('cancelled');
    });

    it('refuses to cancel a finished task', async () => {
      const { task_id } = await t.tasks.submit('test.echo', { value: 2 });
      await t.waitForStatus(task_id, 'completed');
      await expect(t.tasks.cancel(task_id)).rejects.toThrow(TaskStateConflictError);
      await expect(t.tasks.cancel(task_id)).rejects.toThrow(/it is completed/);
    });
  });

  describe('retry on request', () => {
    it('runs a failed task again with a fresh set of retries', async () => {
      const { task_id } = await t.tasks.submit('test.flaky', { failures: 1, retryable: false }, { maxRetries: 0 });
      await t.waitForStatus(task_id, 'failed');
      const requeued = await t.tasks.retry(task_id);
      expect(requeued.status).toBe('pending');
      const done = await t.waitForStatus(task_id, 'completed');
      expect(done.attempt).toBe(2);
      expect(done.attempt_history.map((a) => a.outcome)).toEqual(['failed', 'completed']);
      await expect(t.tasks.retry(task_id)).rejects.toThrow(/it is completed/);
    });
  });

  describe('idempotency', () => {
    it('returns the existing task for a second submit with the same key', async () => {
      const first = await t.tasks.submit('test.echo', { value: 'a' }, { idempotencyKey: 'order-42' });
      const second = await t.tasks.submit('test.echo', { value: 'b' }, { idempotencyKey: 'order-42' });
      expect(first.created).toBe(true);
      expect(second).toEqual({ task_id: first.task_id, status: expect.any(String), created: false });
      const task = await t.waitForStatus(first.task_id, 'completed');
      expect(task.result_data).toEqual({ value: 'a' });
      expect(task.idempotency_key).toBe('order-42');
      const again = await t.tasks.submit('test.echo', { value: 'c' }, { idempotencyKey: 'order-42' });
      expect(again).toEqual({ task_id: first.task_id, status: 'completed', created: false });
    });

    it('creates exactly one task when the same key is submitted concurrently', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => t.tasks.submit('test.echo', { value: i }, { idempotencyKey: 'burst-1' })));
      expect(new Set(results.map((r) => r.task_id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });

    it('scopes keys by task type', async () => {
      const echo = await t.tasks.submit('test.echo', { value: 1 }, { idempotencyKey: 'shared-key' });
      const sum = await t.tasks.submit('test.sum', { n: 1 }, { idempotencyKey: 'shared-key' });
      expect(sum.task_id).not.toBe(echo.task_id);
      expect(sum.created).toBe(true);
    });
  });

  describe('transactional submit', () => {
    let dataSource: DataSource;

    beforeAll(async () => {
      dataSource = t.app.get<DataSource>(getDataSourceToken());
      await dataSource.query('CREATE TABLE business_rows (id varchar(36) PRIMARY KEY, task_id varchar(36))');
    });

    it('commits the task with the business row', async () => {
      const taskId = await dataSource.transaction(async (manager) => {
        const { task_id } = await t.tasks.submit('test.echo', { value: 'tx' }, { manager });
        await manager.query(`INSERT INTO business_rows (id, task_id) VALUES ('order-1', '${task_id}')`);
        return task_id;
      });
      const rows = await dataSource.query(`SELECT task_id FROM business_rows WHERE id = 'order-1'`);
      expect(rows).toEqual([{ task_id: taskId }]);
      expect((await t.waitForStatus(taskId, 'completed', 5000)).result_data).toEqual({ value: 'tx' });
    });

    it('leaves no task when the transaction rolls back', async () => {
      let taskId = '';
      await expect(
        dataSource.transaction(async (manager) => {
          taskId = (await t.tasks.submit('test.echo', { value: 'rolled back' }, { manager })).task_id;
          await manager.query(`INSERT INTO business_rows (id, task_id) VALUES ('order-2', '${taskId}')`);
          throw new Error('business rule failed');
        }),
      ).rejects.toThrow('business rule failed');
      expect(taskId).not.toBe('');
      await sleep(300);
      expect(await t.tasks.find(taskId)).toBeNull();
      expect(await dataSource.query(`SELECT id FROM business_rows WHERE id = 'order-2'`)).toEqual([]);
    });
  });

  describe('submit validation', () => {
    it('rejects an unknown type, a bad priority and a bad timeout with named errors', async () => {
      await expect(t.tasks.submit('nope' as 'test.echo', { value: 1 })).rejects.toThrow('Unknown task type "nope"');
      await expect(t.tasks.submit('test.echo', { value: 1 }, { priority: 7 as TaskPriority })).rejects.toThrow(/^priority must be one of 20, 10, 5, 1/);
      await expect(t.tasks.submit('test.echo', { value: 1 }, { timeoutSeconds: 0 })).rejects.toThrow(/^timeout_seconds must be/);
    });
  });

  it('submits many tasks in one call', async () => {
    const submitted = await t.tasks.submitMany('test.echo', Array.from({ length: 250 }, (_, i) => ({ value: i })));
    expect(submitted).toHaveLength(250);
    expect(new Set(submitted.map((s) => s.task_id)).size).toBe(250);
    const last = await t.waitForStatus(submitted[249].task_id, 'completed');
    expect(last.result_data).toEqual({ value: 249 });
  });

  it('keeps awkward inputs of a batch intact, and the options shared by its tasks', async () => {
    const inputs = [
      { value: 'quote " backslash \\ brace { } comma , semicolon ;' },
      { value: ['NULL', null, '', 'ünïcödé ✓ 𝄞', '\n\t'] },
      { value: { nested: { deep: [1, 2.5, -3e10, true, false] } } },
      { value: null },
    ];
    const runAt = new Date(Date.now() + 60_000);
    const submitted = await t.tasks.submitMany('test.echo', inputs, { priority: TaskPriority.HIGH, runAt, maxRetries: 7, timeoutSeconds: 42, metadata: { batch: 'awkward' } });
    const stored = await Promise.all(submitted.map((s) => t.tasks.get(s.task_id)));
    expect(stored.map((task) => task.input_data)).toEqual(inputs);
    for (const task of stored) {
      expect(task).toMatchObject({ status: 'pending', priority: TaskPriority.HIGH, max_retries: 7, timeout_seconds: 42, metadata: { batch: 'awkward' } });
      expect(new Date(task.run_at).getTime()).toBe(runAt.getTime());
    }
    await Promise.all(submitted.map((s) => t.tasks.cancel(s.task_id)));
  });

  it('keeps the options of each task when concurrent submits share one insert, and awkward results intact', async () => {
    const awkward = ['quote " backslash \\ brace {', ['NULL', null, '', 'ünïcödé ✓ 𝄞', '\n\t'], { deep: [1, 2.5, -3e10, true] }, null];
    // Submitted together, they queue behind one another's insert and are written as one batch of rows
    // that differ in more than id and input (per-row options, one with a key).
    const submitted = await Promise.all(
      awkward.map((value, i) =>
        t.tasks.submit('test.echo', { value }, { priority: [1, 5, 10, 20][i] as TaskPriority, maxRetries: i, timeoutSeconds: 30 + i, metadata: { i }, idempotencyKey: i === 3 ? 'mixed-batch' : undefined }),
      ),
    );
    const done = await Promise.all(submitted.map((s) => t.waitForStatus(s.task_id, 'completed')));
    done.forEach((task, i) => {
      expect(task).toMatchObject({ priority: [1, 5, 10, 20][i], max_retries: i, timeout_seconds: 30 + i, metadata: { i }, input_data: { value: awkward[i] } });
      expect(task.result_data).toEqual({ value: awkward[i] });
    });
  });

  it('reports statistics from the database and the live pools', async () => {
    const stats = await t.tasks.statistics();
    expect(stats.total_tasks).toBeGreaterThan(0);
    expect(stats.by_status.completed).toBeGreaterThan(0);
    expect(stats.by_type['test.echo'].by_status.completed).toBeGreaterThan(0);
    expect(stats.success_count).toBe(stats.by_status.completed);
    expect(stats.failure_count).toBe(stats.by_status.failed + stats.by_status.timeout);
    expect(stats.execution_time_ms.sample_size).toBeGreaterThan(0);
    expect(stats.execution_time_ms.p50).not.toBeNull();
    expect(stats.queue_wait_ms.p99).not.toBeNull();
    expect(stats.throughput.last_hour.completed).toBeGreaterThan(0);
    expect(stats.top_errors.map((e) => e.name)).toContain('TaskTimeoutError');
    expect(stats.instance.pools).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'worker', size: 2 }), expect.objectContaining({ kind: 'event-loop', size: 4 })]),
    );
    expect(stats.instance.dispatcher_running).toBe(true);
  });
});

describe(`Priority order on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ env: { ...db.env, TASK_MAX_IO_WORKERS: '1' }, imports: [TestTasksModule] });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('starts waiting tasks by priority, ties in submission order, while the executor is saturated', async () => {
    const probe = t.app.get(TestProbe);
    probe.close();
    const blocker = await t.tasks.submit('test.record', { label: 'blocker' });
    await t.waitForStatus(blocker.task_id, 'running');
    const priorities: TaskPriority[] = [1, 5, 10, 20];
    const submitted: Array<{ label: string; priority: number; index: number }> = [];
    for (let i = 0; i < 30; i++) {
      const priority = priorities[(i * 7 + (i % 3)) % 4];
      const label = `p${priority}-${i}`;
      await t.tasks.submit('test.record', { label }, { priority });
      submitted.push({ label, priority, index: i });
    }
    expect(probe.started).toEqual(['blocker']);
    probe.open();
    const lastLabel = [...submitted].sort((a, b) => b.priority - a.priority || a.index - b.index).at(-1)!.label;
    await waitFor(() => probe.started.includes(lastLabel) && probe.started.length === 31, 'all 30 tasks to start');
    const expected = [...submitted].sort((a, b) => b.priority - a.priority || a.index - b.index).map((s) => s.label);
    expect(probe.started.slice(1)).toEqual(expected);
  });
});

describe(`Tasks taken at submit on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let probe: TestProbe;
  let claimedIds: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    // No poll within a test: a poll's claim marks the queue as possibly non-empty until it comes back, and a
    // submit meanwhile is queued instead of taken (correct, but not what these tests look at).
    t = await createTestApp({ env: { ...db.env, TASK_MAX_IO_WORKERS: '2', TASK_POLL_INTERVAL_MS: '60000' }, imports: [TestTasksModule] });
    probe = t.app.get(TestProbe);
    // Every task the claim statement hands out, to tell them from the tasks taken at submit.
    const store = t.app.get<TaskStore>(TASK_STORE);
    const claim = store.claim.bind(store);
    claimedIds = [];
    store.claim = async (...args) => {
      const result = await claim(...args);
      claimedIds.push(...result.tasks.map((task) => task.taskId));
      return result;
    };
  });

  afterEach(() => probe.open());

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  /** Waits until the dispatcher has nothing running and its last claim found the queue empty. */
  async function idle(): Promise<void> {
    await waitFor(() => {
      const state = (t.dispatcher as unknown as { claimStates: Record<string, { more: boolean; inFlight: boolean; scheduled: boolean }> }).claimStates['event-loop'];
      return t.dispatcher.snapshot().running.length === 0 && !state.more && !state.inFlight && !state.scheduled;
    }, 'an idle dispatcher');
  }

  it('writes the task running and leased to this instance, and starts it without a claim', async () => {
    await idle();
    probe.close();
    const submitted = await t.tasks.submit('test.record', { label: 'direct' });
    expect(submitted.status).toBe('running');
    await waitFor(() => probe.started.includes('direct'), 'the handler to start');
    const row = await t.tasks.get(submitted.task_id);
    expect(row).toMatchObject({ status: 'running', attempt: 1, locked_by: t.dispatcher.workerId, retry_count: 0 });
    expect(row.started_at).toBe(row.created_at);
    expect(new Date(row.locked_until!).getTime()).toBeGreaterThan(Date.now());
    probe.open();
    const done = await t.waitForStatus(submitted.task_id, 'completed');
    expect(done.result_data).toEqual({ label: 'direct' });
    expect(done.attempt_history).toEqual([expect.objectContaining({ attempt: 1, outcome: 'completed', worker: t.dispatcher.workerId })]);
    expect(claimedIds).not.toContain(submitted.task_id);
  });

  it('queues the task when every slot is busy, and the freed slot claims it', async () => {
    await idle();
    probe.close();
    const first = await t.tasks.submit('test.record', { label: 'busy-1' });
    const second = await t.tasks.submit('test.record', { label: 'busy-2' });
    expect([first.status, second.status]).toEqual(['running', 'running']);
    const third = await t.tasks.submit('test.record', { label: 'busy-3' });
    expect(third.status).toBe('pending');
    await sleep(100);
    expect(probe.started.filter((label) => label.startsWith('busy-'))).toEqual(['busy-1', 'busy-2']);
    probe.open();
    await t.waitForStatus(third.task_id, 'completed');
    expect(claimedIds).toContain(third.task_id);
  });

  it('always queues delayed tasks and tasks with an idempotency key', async () => {
    await idle();
    const delayed = await t.tasks.submit('test.echo', { value: 1 }, { delayMs: 300 });
    const keyed = await t.tasks.submit('test.echo', { value: 2 }, { idempotencyKey: 'taken-at-submit' });
    expect([delayed.status, keyed.status]).toEqual(['pending', 'pending']);
    await t.waitForStatus(delayed.task_id, 'completed');
    await t.waitForStatus(keyed.task_id, 'completed');
    expect(claimedIds).toEqual(expect.arrayContaining([delayed.task_id, keyed.task_id]));
  });

  const pgOnly = TEST_DIALECT === 'postgres' ? it : it.skip;
  // SQLite stores the NUL character that PostgreSQL's jsonb refuses, so only PostgreSQL can fail this insert.
  pgOnly('gives the slot back when the row cannot be written', async () => {
    await idle();
    await expect(t.tasks.submit('test.echo', { value: 'nul \u0000 byte' })).rejects.toThrow(/unicode|\\u0000/i);
    await expect(t.tasks.submit('test.echo', { value: 'nul \u0000 byte' })).rejects.toThrow();
    probe.close();
    const a = await t.tasks.submit('test.record', { label: 'after-failure-1' });
    const b = await t.tasks.submit('test.record', { label: 'after-failure-2' });
    expect([a.status, b.status]).toEqual(['running', 'running']);
  });
});

describe(`Restart on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('runs tasks left pending or retrying by a previous process: nothing lives only in memory', async () => {
    const first = await createTestApp({ env: { ...db.env, TASK_RETRY_BASE_MS: '1500', TASK_RETRY_MAX_MS: '5000' }, imports: [TestTasksModule] });
    let retrying: TaskRecord;
    let pending: string[];
    try {
      const flaky = await first.tasks.submit('test.flaky', { failures: 1 }, { maxRetries: 2 });
      retrying = await first.waitForStatus(flaky.task_id, 'retrying');
      pending = (await first.tasks.submitMany('test.echo', [1, 2, 3, 4, 5].map((value) => ({ value })), { delayMs: 1000 })).map((s) => s.task_id);
    } finally {
      await first.close();
    }
    expect(retrying.retry_count).toBe(1);
    // A new process, quiet at first: the tasks are still in the database, waiting.
    const second = await createTestApp({ env: { ...db.env, TASK_WORKER_ENABLED: 'false' }, imports: [TestTasksModule] });
    try {
      expect((await second.tasks.get(retrying.task_id)).status).toBe('retrying');
      for (const id of pending) expect((await second.tasks.get(id)).status).toBe('pending');
      await second.dispatcher.start();
      const done = await second.waitForStatus(retrying.task_id, 'completed', 10_000);
      expect(done.attempt).toBe(2);
      for (const id of pending) expect((await second.waitForStatus(id, 'completed')).result_data).toEqual({ value: expect.any(Number) });
    } finally {
      await second.close();
    }
  });
});

describe(`Claims and outcome writes on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ env: { ...db.env, TASK_WORKER_ENABLED: 'false' }, imports: [TestTasksModule] });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('writes only the completions of attempts this worker holds (the fence)', async () => {
    const store = t.app.get<TaskStore>(TASK_STORE);
    const request = (workerId: string, limit: number) => {
      const now = new Date();
      return { types: ['test.echo'], perTypeLimits: [limit], globalLimits: [null], limit, now, leaseUntil: new Date(now.getTime() + 30_000), workerId, agingMs: 0 };
    };
    const ids = (await t.tasks.submitMany('test.echo', [{ value: 'a' }, { value: 'b' }, { value: 'c' }])).map((s) => s.task_id);
    const first = await store.claim(request('worker-1', 2));
    expect(first.tasks.map((task) => task.taskId).sort()).toEqual(ids.slice(0, 2).sort());
    const [a, b] = first.tasks;
    const completion = (taskId: string, attempt: number, value: string) => ({
      taskId, attempt, resultJson: JSON.stringify({ value }), endedAt: new Date(), progressMessage: null, taskType: 'test.echo', startedAt: new Date(),
    });
    // a: the attempt this worker holds; b: an attempt it never held (as after losing the lease to a retry).
    const landed = await store.complete([completion(a.taskId, a.attempt, 'a done'), completion(b.taskId, b.attempt + 1, 'stale')], 'worker-1');
    expect([...landed]).toEqual([a.taskId]);
    expect(await t.tasks.get(a.taskId)).toMatchObject({ status: 'completed', result_data: { value: 'a done' } });
    expect(await t.tasks.get(b.taskId)).toMatchObject({ status: 'running', result_data: null });
    // Another worker cannot complete what worker-1 holds.
    expect([...(await store.complete([completion(b.taskId, b.attempt, 'not mine')], 'worker-2'))]).toEqual([]);
    expect((await t.tasks.get(b.taskId)).status).toBe('running');
    expect((await store.claim(request('worker-1', 5))).tasks.map((task) => task.taskId)).toEqual([ids[2]]);
  });

  // Only PostgreSQL claims with SKIP LOCKED, so only there can a claim find due tasks held by another transaction.
  (TEST_DIALECT === 'postgres' ? it : it.skip)('takes tasks in rank order past a locked one, and calls a short claim contended only when due tasks were held', async () => {
    const store = t.app.get<TaskStore>(TASK_STORE);
    const client = new Client({ connectionString: db.env.DATABASE_URL });
    await client.connect();
    try {
      // Without a cluster-wide limit, then with one (the claim that counts what runs everywhere).
      for (const globalLimit of [null, 100]) {
        // Each type's share (10) above the claim's size: the heads hold more candidates than are taken, so the order matters.
        const request = (limit: number) => {
          const now = new Date();
          return { types: ['test.echo'], perTypeLimits: [10], globalLimits: [globalLimit], limit, now, leaseUntil: new Date(now.getTime() + 30_000), workerId: 'worker-1', agingMs: 0 };
        };
        const ids = (await t.tasks.submitMany('test.echo', [1, 2, 3, 4].map((value) => ({ value })))).map((s) => s.task_id);
        const urgent = (await t.tasks.submit('test.echo', { value: 'urgent' }, { priority: 20 })).task_id;
        await client.query('BEGIN');
        await client.query('SELECT 1 FROM tasks WHERE task_id = $1 FOR UPDATE', [ids[1]]);
        const first = await store.claim(request(3));
        const past = await store.claim(request(10));
        const taken = (claim: { tasks: Array<{ taskId: string }> }) => claim.tasks.map((task) => task.taskId).sort();
        // The three first in rank (priority, then submission order), stepping over the locked one: not the last one.
        expect(taken(first)).toEqual([urgent, ids[0], ids[2]].sort());
        expect(first.contended).toBe(false);
        expect(taken(past)).toEqual([ids[3]]);
        expect(past.contended).toBe(true);
        await client.query('COMMIT');
        const rest = await store.claim(request(10));
        expect(rest.tasks.map((task) => task.taskId)).toEqual([ids[1]]);
        expect(rest.contended).toBe(false);
        const none = await store.claim(request(10));
        expect(none).toEqual({ tasks: [], contended: false });
      }
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  });

  // The engine's sessions keep one generic plan per statement, often made on a near-empty table (SQLite plans per statement run).
  (TEST_DIALECT === 'postgres' ? it : it.skip)('plans the claim, prepared on a near-empty table, as index reads and key lookups that hold at any depth', async () => {
    const client = new Client({ connectionString: db.env.DATABASE_URL, options: ENGINE_SESSION_OPTIONS });
    await client.connect();
    try {
      // The table as the earlier tests left it (a few dozen rows, maybe never vacuumed), then with the statistics of a quiet queue.
      for (const [i, prepare] of [[0, 'SELECT 1'], [1, 'VACUUM ANALYZE tasks']] as const) {
        await client.query(prepare);
        await client.query(`PREPARE claim_plan_${i} (text[], int[], timestamptz, int, text, timestamptz, bigint) AS ${CLAIM}`);
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) EXECUTE claim_plan_${i} ('{test.echo,test.sum}', '{5,5}', now(), 5, 'w', now(), 0)`);
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        const reads = [...plan.matchAll(/(Seq Scan|Bitmap Heap Scan|Index Only Scan using \w+|Index Scan using \w+|Tid Scan) on tasks/g)].map((m) => m[1]);
        // Heads from the claim index, each candidate by primary key, the update by row address; no read of the whole table or index.
        expect(new Set(reads)).toEqual(new Set(['Index Only Scan using tasks_claim_idx', 'Index Scan using tasks_pkey', 'Tid Scan']));
        expect(plan).not.toMatch(/Hash Join|Merge Join/);
      }
    } finally {
      await client.end();
    }
  });

  // Only PostgreSQL chooses the commit mode per transaction.
  (TEST_DIALECT === 'postgres' ? it : it.skip)('commits a claim without waiting for the WAL flush (the session keeps its synchronous mode)', async () => {
    await t.tasks.submitMany('test.echo', [{ value: 1 }, { value: 2 }]);
    const client = new Client({ connectionString: db.env.DATABASE_URL });
    await client.connect();
    const commitMode = async () => (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0].synchronous_commit;
    try {
      const serverDefault = await commitMode();
      expect(serverDefault).not.toBe('off');
      await client.query('BEGIN');
      const now = new Date();
      const { rows } = await client.query(CLAIM, [['test.echo'], [5], now, 5, 'worker-x', new Date(now.getTime() + 30_000), 0]);
      expect(rows.filter((r: { kind: number }) => r.kind === 0).length).toBe(2);
      expect(await commitMode()).toBe('off');
      await client.query('ROLLBACK');
      // Set for that transaction only: the outcome writes and submits of the session commit synchronously.
      expect(await commitMode()).toBe(serverDefault);
    } finally {
      await client.end();
    }
  });
});

describe(`Claiming ahead on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** Ids of the tasks of `type` the database shows running (leased to a worker). */
  const runningInStore = async (t: TestApp, type: string) =>
    (await t.tasks.list({ taskType: type, status: 'running', limit: 100 })).items.map((task) => task.task_id).sort();

  /** Runs short tasks until the dispatcher's average run time is short, then queues 8 gated tasks: 2 run, 6 wait claimed ahead. */
  async function sixAhead(t: TestApp): Promise<string[]> {
    const quick = await t.tasks.submitMany('test.echo', Array.from({ length: 10 }, (_, i) => ({ value: i })));
    for (const s of quick) await t.waitForStatus(s.task_id, 'completed');
    t.app.get(TestProbe).close();
    const gated = (await t.tasks.submitMany('test.record', Array.from({ length: 8 }, (_, i) => ({ label: `g${i}` })))).map((s) => s.task_id);
    await waitFor(() => t.dispatcher.snapshot().claimedAhead === 6, 'six tasks claimed ahead');
    return gated;
  }

  // The tests that hold the line behind gated runs keep it far longer than they take (TASK_CLAIM_AHEAD_HOLD_MS).
  const holdLong = { TASK_CLAIM_AHEAD_HOLD_MS: '60000' };

  it('claims ahead while tasks run short: held and cancellable while they wait, each run once; not once tasks run long', async () => {
    const t = await createTestApp({ env: { ...db.env, ...holdLong, TASK_MAX_IO_WORKERS: '2' }, imports: [TestTasksModule] });
    try {
      const probe = t.app.get(TestProbe);
      const gated = await sixAhead(t);
      // Two run (held at the gate); the other six are leased to this instance and wait here for a slot.
      expect(t.dispatcher.snapshot().running.map((r) => r.task_id).sort()).toEqual(gated.slice(0, 2).sort());
      expect(probe.started).toEqual(['g0', 'g1']);
      expect(await runningInStore(t, 'test.record')).toEqual([...gated].sort());
      // Cancelling one that waits ends it at once, without running it.
      await t.tasks.cancel(gated[7]);
      const cancelled = await t.waitForStatus(gated[7], 'cancelled');
      expect(cancelled.attempt_history.map((a) => a.outcome)).toEqual(['cancelled']);
      expect(t.dispatcher.snapshot().claimedAhead).toBe(5);
      probe.open();
      for (const id of gated.slice(0, 7)) await t.waitForStatus(id, 'completed');
      expect([...probe.started].sort()).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6']);

      // Tasks that run long (100 ms each) raise the average run time: nothing is claimed beyond the free slots now.
      const long = await t.tasks.submitMany('test.echo', Array.from({ length: 4 }, (_, i) => ({ value: i, delayMs: 100 })));
      for (const s of long) await t.waitForStatus(s.task_id, 'completed');
      probe.close();
      const slow = (await t.tasks.submitMany('test.record', Array.from({ length: 6 }, (_, i) => ({ label: `s${i}` })))).map((s) => s.task_id);
      await waitFor(() => probe.started.filter((label) => label.startsWith('s')).length === 2, 'two slow tasks to start');
      await sleep(300);
      expect(t.dispatcher.snapshot().claimedAhead).toBe(0);
      expect(await runningInStore(t, 'test.record')).toHaveLength(2);
      probe.open();
      for (const id of slow) await t.waitForStatus(id, 'completed');
    } finally {
      t.app.get(TestProbe).open();
      await t.close();
    }
  });

  it('renews the leases of tasks claimed ahead: they outlive several leases and still run once, in their first attempt', async () => {
    const t = await createTestApp({ env: { ...db.env, ...holdLong, TASK_MAX_IO_WORKERS: '2', TASK_LEASE_MS: '600', TASK_HEARTBEAT_INTERVAL_MS: '100' }, imports: [TestTasksModule] });
    const probe = t.app.get(TestProbe);
    try {
      const gated = await sixAhead(t);
      await sleep(2000);
      // Still here and still ours: no recovery took them back (recovery runs every heartbeat).
      expect(t.dispatcher.snapshot().claimedAhead).toBe(6);
      expect(await runningInStore(t, 'test.record')).toEqual([...gated].sort());
      probe.open();
      for (const id of gated) expect((await t.waitForStatus(id, 'completed')).attempt).toBe(1);
      expect([...probe.started].sort()).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7']);
    } finally {
      probe.open();
      await t.close();
    }
  });

  it('hands tasks claimed ahead back to the queue at once on shutdown, while running ones finish', async () => {
    const t = await createTestApp({ env: { ...db.env, ...holdLong, TASK_MAX_IO_WORKERS: '2' }, imports: [TestTasksModule] });
    const probe = t.app.get(TestProbe);
    let stopped: Promise<void> | undefined;
    try {
      const gated = await sixAhead(t);
      stopped = t.dispatcher.stop();
      for (const id of gated.slice(2)) {
        const task = await t.waitForStatus(id, 'pending');
        expect(task.attempt_history.map((a) => a.outcome)).toEqual(['released']);
        expect(task.retry_count).toBe(0);
      }
      expect(await runningInStore(t, 'test.record')).toEqual(gated.slice(0, 2).sort());
      probe.open();
      await stopped;
      for (const id of gated.slice(0, 2)) expect((await t.tasks.get(id)).status).toBe('completed');
      expect(probe.started).toEqual(['g0', 'g1']);
    } finally {
      probe.open();
      await stopped;
      await t.close();
    }
  });

  it('ends a task cancelled, not queued, when its attempt ends handed back or failed with retries left after a cancel was requested', async () => {
    const t = await createTestApp({ env: { ...db.env, TASK_WORKER_ENABLED: 'false' }, imports: [TestTasksModule] });
    try {
      const store = t.app.get<TaskStore>(TASK_STORE);
      const ids = (await t.tasks.submitMany('test.sum', [{ n: 1 }, { n: 2 }, { n: 3 }])).map((s) => s.task_id);
      const now = new Date();
      const { tasks: claimed } = await store.claim({
        types: ['test.sum'], perTypeLimits: [3], globalLimits: [null], limit: 3, now, leaseUntil: new Date(now.getTime() + 60_000), workerId: 'holder', agingMs: 0,
      });
      expect(claimed.map((c) => c.taskId).sort()).toEqual([...ids].sort());
      const byId = new Map(claimed.map((c) => [c.taskId, c]));
      // Cancels of the first two reach their rows while the holder still runs them (or holds them claimed ahead)...
      for (const id of ids.slice(0, 2)) expect((await t.tasks.cancel(id)).status).toBe('running');
      // ...and then their attempts end: one handed back, one failed with retries left; the third, not cancelled, handed back.
      const end = (id: string, status: 'pending' | 'retrying', outcome: 'released' | 'failed') => {
        const c = byId.get(id)!;
        return {
          taskId: id, attempt: c.attempt, taskType: c.taskType, startedAt: now, endedAt: new Date(), status, outcome,
          errorInfo: outcome === 'failed' ? { name: 'Error', message: 'boom', retryable: true, attempt: c.attempt, occurred_at: now.toISOString() } : null,
          retryAt: status === 'retrying' ? new Date(Date.now() + 60_000) : undefined,
        };
      };
      const landed = await store.endAttempts([end(ids[0], 'pending', 'released'), end(ids[1], 'retrying', 'failed'), end(ids[2], 'pending', 'released')], 'holder');
      // The statuses written, as the dispatcher reports them (metrics): cancelled, cancelled, pending.
      expect(landed).toEqual(new Map([[ids[0], 'cancelled'], [ids[1], 'cancelled'], [ids[2], 'pending']]));
      const [released, failed, queued] = await Promise.all(ids.map((id) => t.tasks.get(id)));
      expect(released).toMatchObject({ status: 'cancelled', retry_count: 0, locked_by: null });
      expect(released.completed_at).not.toBeNull();
      expect(released.attempt_history.map((a) => a.outcome)).toEqual(['released']);
      expect(failed).toMatchObject({ status: 'cancelled', retry_count: 0, locked_by: null });
      expect(failed.completed_at).not.toBeNull();
      expect(failed.attempt_history.map((a) => a.outcome)).toEqual(['failed']);
      expect(queued).toMatchObject({ status: 'pending', completed_at: null, locked_by: null });
    } finally {
      await t.close();
    }
  });

  it('hands the line back when long runs hold every slot past TASK_CLAIM_AHEAD_HOLD_MS: another instance runs it meanwhile', async () => {
    // A database of its own: the shutdown test above leaves tasks waiting that the other instance would run too.
    const own = await createTestDatabase();
    const t = await createTestApp({ env: { ...own.env, TASK_MAX_IO_WORKERS: '2', TASK_CLAIM_AHEAD_HOLD_MS: '300' }, imports: [TestTasksModule] });
    const probe = t.app.get(TestProbe);
    let other: TestApp | undefined;
    try {
      const gated = await sixAhead(t);
      // g0 and g1 hold both slots; after 300 ms the six behind them are waiting in the queue again, never run.
      for (const id of gated.slice(2)) {
        const task = await t.waitForStatus(id, 'pending');
        expect(task.attempt_history.map((a) => a.outcome)).toEqual(['released']);
        expect(task.retry_count).toBe(0);
      }
      expect(t.dispatcher.snapshot().claimedAhead).toBe(0);
      await sleep(200);
      // This instance takes nothing more while its slots stay held.
      expect(await runningInStore(t, 'test.record')).toEqual(gated.slice(0, 2).sort());
      other = await createTestApp({ env: { ...own.env, TASK_MAX_IO_WORKERS: '2' }, imports: [TestTasksModule] });
      for (const id of gated.slice(2)) {
        const done = await other.waitForStatus(id, 'completed');
        expect(done.attempt_history.map((a) => a.outcome)).toEqual(['released', 'completed']);
        expect(done.attempt_history[1].worker).toBe(other.dispatcher.workerId);
      }
      expect([...other.app.get(TestProbe).started].sort()).toEqual(['g2', 'g3', 'g4', 'g5', 'g6', 'g7']);
      expect(probe.started).toEqual(['g0', 'g1']);
      probe.open();
      for (const id of gated.slice(0, 2)) await t.waitForStatus(id, 'completed');
    } finally {
      probe.open();
      await other?.close();
      await t.close();
      await own.drop();
    }
  });
});

describe(`Per-type concurrency limit on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ env: { ...db.env, TASK_MAX_IO_WORKERS: '6', TASK_TYPE_CONCURRENCY: 'test.echo=2' }, imports: [TestTasksModule] });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('never runs more tasks of a limited type than its limit, while other types use the free slots', async () => {
    const probe = t.app.get(TestProbe);
    probe.close();
    const limited = await t.tasks.submitMany('test.echo', Array.from({ length: 8 }, (_, i) => ({ value: i, delayMs: 60 })));
    const free = await t.tasks.submitMany('test.record', Array.from({ length: 3 }, (_, i) => ({ label: `free-${i}` })));
    let maxLimited = 0;
    let maxFree = 0;
    const sample = () => {
      const running = t.dispatcher.snapshot().running;
      maxLimited = Math.max(maxLimited, running.filter((r) => r.task_type === 'test.echo').length);
      maxFree = Math.max(maxFree, running.filter((r) => r.task_type === 'test.record').length);
    };
    const sampler = setInterval(sample, 5);
    try {
      await waitFor(async () => (await Promise.all(limited.map((s) => t.tasks.get(s.task_id)))).every((task) => task.status === 'completed'), 'the limited tasks to complete');
      sample();
      // The unlimited type held its three slots the whole time (its handlers wait on the probe's gate).
      expect(maxFree).toBe(3);
      expect(maxLimited).toBe(2);
    } finally {
      clearInterval(sampler);
      probe.open();
    }
    for (const s of free) expect((await t.waitForStatus(s.task_id, 'completed')).status).toBe('completed');
  });
});

describe(`Priority aging on ${TEST_DIALECT}`, () => {
  const AGING_MS = 300;
  const TASK_MS = 20;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  /**
   * Keeps one event-loop slot saturated with URGENT tasks (submitted faster than
   * they run) and submits one LOW task into the stream. Returns how long the LOW
   * task waited and how many URGENT tasks were already waiting when it arrived.
   */
  async function lowTaskUnderUrgentStream(agingMs: number, streamMs: number): Promise<{ waitedMs: number | null; aheadAtSubmit: number }> {
    const t = await createTestApp({ env: { ...db.env, TASK_MAX_IO_WORKERS: '1', TASK_PRIORITY_AGING_MS: String(agingMs) }, imports: [TestTasksModule] });
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        await t.tasks.submit('test.echo', { value: 'urgent', delayMs: TASK_MS }, { priority: TaskPriority.URGENT });
        await sleep(TASK_MS / 2);
      }
    })();
    try {
      await sleep(300);
      const stats = await t.tasks.statistics();
      const aheadAtSubmit = stats.queue.depth;
      const low = await t.tasks.submit('test.record', { label: 'low' }, { priority: TaskPriority.LOW });
      const deadline = Date.now() + streamMs;
      let task = await t.tasks.get(low.task_id);
      while (Date.now() < deadline && task.status === 'pending') {
        await sleep(25);
        task = await t.tasks.get(low.task_id);
      }
      const waitedMs = task.started_at ? ms(task.started_at) - ms(task.created_at) : null;
      return { waitedMs, aheadAtSubmit };
    } finally {
      streaming = false;
      await stream;
      await t.close();
    }
  }

  it('starts a LOW task within the aging bound while URGENT tasks keep the workers saturated', async () => {
    const { waitedMs, aheadAtSubmit } = await lowTaskUnderUrgentStream(AGING_MS, 6000);
    // The rule: LOW (level 0) reaches URGENT's level after 3 aging intervals; from then on only
    // tasks due before it run first — at most the ones already waiting when it arrived.
    const bound = Math.max(3 * AGING_MS, aheadAtSubmit * TASK_MS) + 3 * AGING_MS + 500;
    expect(waitedMs).not.toBeNull();
    expect(waitedMs!).toBeGreaterThanOrEqual(3 * AGING_MS - 50);
    expect(waitedMs!).toBeLessThanOrEqual(bound);
  });

  it('starves the LOW task under the same stream when aging is off (the control)', async () => {
    const { waitedMs } = await lowTaskUnderUrgentStream(0, 2500);
    expect(waitedMs).toBeNull();
  });
});

(TEST_DIALECT === 'postgres' ? describe : describe.skip)(
  `Wake-ups from another instance on ${TEST_DIALECT} (PostgreSQL only: SQLite is single-node, it has no cross-process notifications)`,
  () => {
    let db: TestDatabase;
    let api: TestApp;
    let worker: TestApp;

    beforeAll(async () => {
      db = await createTestDatabase();
      // The worker's poll is a minute away: only a NOTIFY from the API instance can start these tasks within the test.
      worker = await createTestApp({ env: { ...db.env, TASK_POLL_INTERVAL_MS: '60000' }, imports: [TestTasksModule] });
      api = await createTestApp({ env: { ...db.env, TASK_WORKER_ENABLED: 'false' }, imports: [TestTasksModule] });
    });

    afterAll(async () => {
      await api?.close();
      await worker?.close();
      await db?.drop();
    });

    it('runs every task of a burst of awaited submits, the last ones too (notified once the interval is over), and a lone one', async () => {
      const burst: string[] = [];
      for (let i = 0; i < 40; i++) burst.push((await api.tasks.submit('test.echo', { value: i })).task_id);
      for (const id of burst) expect((await worker.waitForStatus(id, 'completed', 10_000)).result_data).toEqual({ value: expect.any(Number) });
      await sleep(50);
      const lone = await api.tasks.submit('test.echo', { value: 'lone' });
      expect((await worker.waitForStatus(lone.task_id, 'completed', 10_000)).result_data).toEqual({ value: 'lone' });
    });

    it('claims a notified task on the connection the notification came on, and on the pool when that connection fails', async () => {
      const client = new Client({ connectionString: db.env.DATABASE_URL });
      await client.connect();
      try {
        // What the worker's listening connection ran last: its LISTEN until a notification's claim runs there.
        const listenerLastQuery = async () =>
          (await client.query<{ query: string }>('SELECT query FROM pg_stat_activity WHERE application_name = $1', [`tasks-listener:${worker.dispatcher.workerId}`])).rows[0]?.query;
        await waitFor(async () => (await listenerLastQuery()) !== undefined, 'the worker to listen');
        await sleep(50);
        const notified = await api.tasks.submit('test.echo', { value: 'notified' });
        await worker.waitForStatus(notified.task_id, 'completed', 10_000);
        // The claim's text (PostgreSQL shows the first track_activity_query_size bytes of it).
        const last = (await listenerLastQuery())!;
        expect(last).toMatch(/^\s*WITH heads AS/);
        expect(CLAIM.startsWith(last)).toBe(true);

        // A claim handed a connection that fails runs on the store's pool instead.
        const waiting = await api.tasks.submit('test.echo', { value: 'fallback' }, { delayMs: 60_000 });
        const store = api.app.get<TaskStore>(TASK_STORE);
        const later = new Date(Date.now() + 120_000);
        const broken = { query: () => Promise.reject(new Error('Connection terminated unexpectedly')) };
        const { tasks } = await store.claim({
          types: ['test.echo'], perTypeLimits: [5], globalLimits: [null], limit: 5, now: later,
          leaseUntil: new Date(later.getTime() + 600_000), workerId: 'fallback-test', agingMs: 0, via: broken,
        });
        expect(tasks.map((task) => task.taskId)).toEqual([waiting.task_id]);
      } finally {
        await client.end();
      }
    });
  },
);

describe(`Calls that reach the engine after shutdown, on ${TEST_DIALECT}`, () => {
  it('are refused with TaskStoreClosedError (503 over HTTP), and the process keeps running', async () => {
    const db = await createTestDatabase();
    try {
      const t = await createTestApp({ env: { ...db.env, TASK_WORKER_ENABLED: 'false' }, imports: [TestTasksModule] });
      const store = t.app.get<TaskStore>(TASK_STORE);
      // Statements prepared before the close and one never prepared: both must be refused, not crash the process.
      await t.tasks.submit('test.echo', { value: 'before' });
      await t.close();
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.on('uncaughtException', onUncaught);
      try {
        await expect(t.tasks.submit('test.echo', { value: 'after' })).rejects.toThrow(TaskStoreClosedError);
        await expect(store.cancel('00000000-0000-7000-8000-000000000000', new Date())).rejects.toThrow(TaskStoreClosedError);
        await sleep(100);
      } finally {
        process.off('uncaughtException', onUncaught);
      }
      expect(uncaught).toEqual([]);
      expect(new AllExceptionsFilter()['toBody'](new TaskStoreClosedError())).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    } finally {
      await db.drop();
    }
  });
});
