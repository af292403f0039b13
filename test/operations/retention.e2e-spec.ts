import { SchedulerRegistry } from '@nestjs/schedule';
import { Client } from 'pg';
import { RETENTION_JOB, TaskRetentionService } from '../../src/modules/tasks';
import { TestTasksModule } from '../fixtures/test-tasks.module';
import { createTestApp, type TestApp } from '../support/test-app';
import { TestDbClient } from '../support/test-db-client';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';

const DAY = 24 * 3600 * 1000;

describe(`Retention on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let client: TestDbClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ env: { ...db.env, TASK_CLEANUP_BATCH_SIZE: '4', TASK_CLEANUP_CRON: '*/5 * * * *' }, imports: [TestTasksModule] });
    client = await TestDbClient.connect(db);
  });

  afterAll(async () => {
    await client?.close();
    await t?.close();
    await db?.drop();
  });

  /** Moves a finished task's completion time into the past. */
  async function backdate(taskId: string, daysAgo: number): Promise<void> {
    const when = new Date(Date.now() - daysAgo * DAY).toISOString();
    await client.query('UPDATE tasks SET completed_at = $1, created_at = $1, run_at = $1 WHERE task_id = $2', [when, taskId]);
  }

  it('registers the purge on its schedule', () => {
    const job = t.app.get(SchedulerRegistry).getCronJob(RETENTION_JOB);
    expect(job.cronTime.source).toBe('*/5 * * * *');
    expect(job.isActive).toBe(true);
  });

  it('deletes old finished tasks with their history, in batches, and keeps fresh, waiting and running ones', async () => {
    const completed = await Promise.all(Array.from({ length: 10 }, (_, i) => t.tasks.submit('test.echo', { value: i })));
    const failed = await Promise.all(Array.from({ length: 5 }, () => t.tasks.submit('test.flaky', { failures: 1, retryable: false }, { maxRetries: 0 })));
    const cancelled = await Promise.all(Array.from({ length: 4 }, () => t.tasks.submit('test.echo', { value: 'c' }, { delayMs: 3_600_000 })));
    const timedOut = await t.tasks.submit('test.stubborn', {}, { timeoutSeconds: 1, maxRetries: 0 });
    const running = await t.tasks.submit('test.hang', {});
    const waiting = await t.tasks.submit('test.echo', { value: 'later' }, { delayMs: 3_600_000 });
    for (const c of cancelled) await t.tasks.cancel(c.task_id);
    for (const c of completed) await t.waitForStatus(c.task_id, 'completed');
    for (const f of failed) await t.waitForStatus(f.task_id, 'failed');
    await t.waitForStatus(timedOut.task_id, 'timeout');
    await t.waitForStatus(running.task_id, 'running');

    // Past the limits: 6 completed and 3 cancelled (> 7 days), 2 failed and the timeout (> 30 days).
    for (const c of completed.slice(0, 6)) await backdate(c.task_id, 8);
    for (const c of cancelled.slice(0, 3)) await backdate(c.task_id, 8);
    for (const f of failed.slice(0, 2)) await backdate(f.task_id, 31);
    await backdate(timedOut.task_id, 31);
    // Inside the limits: failed 10 days ago is kept (30-day rule), completed 6 days ago is kept.
    for (const f of failed.slice(2, 4)) await backdate(f.task_id, 10);
    await backdate(completed[6].task_id, 6);

    const report = await t.app.get(TaskRetentionService).purge();
    // Batches of 4: 9 completed/cancelled rows → 4 + 4 + 1; 3 failed/timeout rows → 3.
    expect(report).toEqual({ completedOrCancelled: 9, failedOrTimedOut: 3, batches: 4 });

    const gone = [...completed.slice(0, 6), ...cancelled.slice(0, 3), ...failed.slice(0, 2), timedOut].map((s) => s.task_id);
    const kept = [...completed.slice(6), cancelled[3], ...failed.slice(2), running, waiting].map((s) => s.task_id);
    for (const id of gone) expect(await t.tasks.find(id)).toBeNull();
    for (const id of kept) expect(await t.tasks.find(id)).not.toBeNull();
    expect((await t.tasks.get(running.task_id)).status).toBe('running');
    // The attempt history lives on the task row: nothing of a purged task is left anywhere.
    expect(await client.count('SELECT count(*) AS n FROM tasks')).toBe(kept.length);

    expect(await t.app.get(TaskRetentionService).purge()).toEqual({ completedOrCancelled: 0, failedOrTimedOut: 0, batches: 2 });
  });

  (TEST_DIALECT === 'postgres' ? it : it.skip)('lets only one instance purge at a time (advisory lock)', async () => {
    const other = new Client({ connectionString: db.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [0x7075726765]);
      expect(await t.app.get(TaskRetentionService).purge()).toBeUndefined();
      await other.query('SELECT pg_advisory_unlock($1)', [0x7075726765]);
      expect(await t.app.get(TaskRetentionService).purge()).toMatchObject({ batches: 2 });
    } finally {
      await other.end();
    }
  });
});
