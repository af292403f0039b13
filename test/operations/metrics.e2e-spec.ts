import request from 'supertest';
import type { App } from 'supertest/types';
import { TestTasksModule } from '../fixtures/test-tasks.module';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';

/** Value of one sample in Prometheus text, e.g. `tasks_completed_total{task_type="test.echo"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^([^{\s]+)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[4]);
  }
  return undefined;
}

describe(`Metrics on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ env: db.env, imports: [TestTasksModule], listen: true });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('counts what the tasks did, with histograms and queue gauges, in Prometheus format', async () => {
    const echoes = await Promise.all([1, 2, 3].map((value) => t.tasks.submit('test.echo', { value })));
    const fatal = await t.tasks.submit('test.flaky', { failures: 1, retryable: false }, { maxRetries: 0 });
    const flaky = await t.tasks.submit('test.flaky', { failures: 1 }, { maxRetries: 2 });
    const stuck = await t.tasks.submit('test.stubborn', {}, { timeoutSeconds: 1, maxRetries: 0 });
    const waiting = await t.tasks.submit('test.echo', { value: 'later' }, { delayMs: 3_600_000, priority: 10 });
    const toCancel = await t.tasks.submit('test.echo', { value: 'no' }, { delayMs: 3_600_000 });
    await t.tasks.cancel(toCancel.task_id);
    for (const e of echoes) await t.waitForStatus(e.task_id, 'completed');
    await t.waitForStatus(fatal.task_id, 'failed');
    await t.waitForStatus(flaky.task_id, 'completed');
    await t.waitForStatus(stuck.task_id, 'timeout');

    const res = await request(t.app.getHttpServer() as App).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.text;
    const echo = { task_type: 'test.echo' };
    const flakyType = { task_type: 'test.flaky' };
    expect(sample(text, 'tasks_submitted_total', echo)).toBe(5);
    expect(sample(text, 'tasks_submitted_total', flakyType)).toBe(2);
    expect(sample(text, 'tasks_completed_total', echo)).toBe(3);
    expect(sample(text, 'tasks_completed_total', flakyType)).toBe(1);
    expect(sample(text, 'tasks_failed_total', flakyType)).toBe(1);
    expect(sample(text, 'tasks_retried_total', flakyType)).toBe(1);
    expect(sample(text, 'tasks_timed_out_total', { task_type: 'test.stubborn' })).toBe(1);
    expect(sample(text, 'tasks_cancelled_total', echo)).toBe(1);
    expect(sample(text, 'tasks_run_duration_seconds_count', { task_type: 'test.echo', outcome: 'completed' })).toBe(3);
    expect(sample(text, 'tasks_run_duration_seconds_count', { task_type: 'test.flaky', outcome: 'retrying' })).toBe(1);
    expect(sample(text, 'tasks_run_duration_seconds_count', { task_type: 'test.stubborn', outcome: 'timeout' })).toBe(1);
    expect(sample(text, 'tasks_run_duration_seconds_sum', { task_type: 'test.stubborn', outcome: 'timeout' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tasks_queue_wait_seconds_count', echo)).toBe(3);
    expect(sample(text, 'tasks_queue_wait_seconds_count', flakyType)).toBe(3);
    expect(sample(text, 'tasks_queue_depth', { status: 'pending', priority: '10' })).toBe(1);
    expect(sample(text, 'tasks_worker_pool_size', { executor: 'worker' })).toBe(2);
    expect(sample(text, 'tasks_worker_pool_size', { executor: 'event-loop' })).toBe(8);
    expect(sample(text, 'tasks_worker_pool_busy', { executor: 'worker' })).toBe(0);
    expect(sample(text, 'tasks_oldest_waiting_age_seconds')).toBe(0);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeDefined();
    expect(waiting.created).toBe(true);
  });
});
