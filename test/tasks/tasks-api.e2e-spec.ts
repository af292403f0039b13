import request from 'supertest';
import type { App } from 'supertest/types';
import { TestTasksModule } from '../fixtures/test-tasks.module';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';

describe(`Tasks REST API on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ env: db.env, imports: [TestTasksModule], listen: true });
    http = t.app.getHttpServer() as App;
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('GET /tasks/:id returns a task with the seed field names', async () => {
    const { task_id } = await t.tasks.submit('test.echo', { value: 'x' }, { metadata: { source: 'api-test' } });
    await t.waitForStatus(task_id, 'completed');
    const res = await request(http).get(`/tasks/${task_id}`).expect(200);
    expect(Object.keys(res.body)).toEqual(
      expect.arrayContaining([
        'task_id', 'task_type', 'status', 'priority', 'created_at', 'started_at', 'completed_at', 'input_data', 'result_data',
        'error_info', 'retry_count', 'max_retries', 'timeout_seconds', 'metadata', 'progress', 'run_at',
      ]),
    );
    expect(res.body).toMatchObject({ task_id, task_type: 'test.echo', status: 'completed', priority: 5, metadata: { source: 'api-test' }, result_data: { value: 'x' } });
  });

  it('GET /tasks filters by type and status and paginates, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await t.tasks.submit('test.sum', { n: i + 1 })).task_id);
    for (const id of ids) await t.waitForStatus(id, 'completed');
    const page = await request(http).get('/tasks').query({ task_type: 'test.sum', status: 'completed', limit: 2, offset: 0 }).expect(200);
    expect(page.body.total).toBe(3);
    expect(page.body.limit).toBe(2);
    expect(page.body.items.map((i: { task_id: string }) => i.task_id)).toEqual([ids[2], ids[1]]);
    const next = await request(http).get('/tasks').query({ task_type: 'test.sum', status: 'completed', limit: 2, offset: 2 }).expect(200);
    expect(next.body.items.map((i: { task_id: string }) => i.task_id)).toEqual([ids[0]]);
  });

  it('answers 400 naming the field for a malformed id or filter', async () => {
    expect((await request(http).get('/tasks/not-a-uuid').expect(400)).body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'id must be a UUID' });
    expect((await request(http).post('/tasks/123/cancel').expect(400)).body.message).toBe('id must be a UUID');
    expect((await request(http).get('/tasks').query({ status: 'done' }).expect(400)).body.message).toMatch(/^status must be one of pending/);
    expect((await request(http).get('/tasks').query({ limit: 'ten' }).expect(400)).body.message).toMatch(/limit must be an integer/);
    expect((await request(http).get('/tasks').query({ limit: 5000 }).expect(400)).body.message).toBe('limit must be at most 1000');
    expect((await request(http).get('/tasks').query({ offset: -1 }).expect(400)).body.message).toBe('offset must be at least 0');
    expect((await request(http).get('/tasks').query({ task_type: 'bad type!' }).expect(400)).body.message).toMatch(/^task_type must be/);
    expect((await request(http).get('/tasks').query({ colour: 'red' }).expect(400)).body.message).toBe('property colour should not exist');
  });

  it('answers 404 for an unknown id', async () => {
    const id = '019abf4e-8a3c-7d21-9a51-5e0c7d7b1f00';
    expect((await request(http).get(`/tasks/${id}`).expect(404)).body).toEqual({ statusCode: 404, error: 'Not Found', message: `Task ${id} was not found.` });
    await request(http).post(`/tasks/${id}/cancel`).expect(404);
    await request(http).post(`/tasks/${id}/retry`).expect(404);
  });

  it('cancels a pending task (200), refuses finished ones (409), retries a cancelled one', async () => {
    const { task_id } = await t.tasks.submit('test.echo', { value: 'later' }, { delayMs: 60_000 });
    const cancelled = await request(http).post(`/tasks/${task_id}/cancel`).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    const conflict = await request(http).post(`/tasks/${task_id}/cancel`).expect(409);
    expect(conflict.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: `Cannot cancel task ${task_id}: it is cancelled; only pending, retrying, running tasks can be cancelled.`,
    });
    const retried = await request(http).post(`/tasks/${task_id}/retry`).expect(200);
    expect(retried.body.status).toBe('pending');
    await t.waitForStatus(task_id, 'completed');
    expect((await request(http).post(`/tasks/${task_id}/retry`).expect(409)).body.message).toMatch(/only failed, timeout, cancelled tasks can be retried/);
  });

  it('answers 202 when cancelling a running task that does not stop at once, which then ends cancelled', async () => {
    // A thread spinning without looking at its signal stops only when terminated, after the abort grace.
    const { task_id } = await t.tasks.submit('test.spin', {});
    await t.waitForStatus(task_id, 'running');
    const res = await request(http).post(`/tasks/${task_id}/cancel`).expect(202);
    expect(res.body.status).toBe('running');
    expect(res.body.cancel_requested_at).toEqual(expect.any(String));
    await t.waitForStatus(task_id, 'cancelled');
  });

  it('GET /tasks/statistics reports counts and pools', async () => {
    const res = await request(http).get('/tasks/statistics').expect(200);
    expect(res.body.total_tasks).toBeGreaterThan(0);
    expect(res.body.by_status.completed).toBeGreaterThan(0);
    expect(res.body.instance.pools).toHaveLength(2);
    expect(res.body).toHaveProperty('queue.oldest_waiting_age_seconds');
  });

  it('answers malformed JSON with a JSON 400', async () => {
    const { task_id } = await t.tasks.submit('test.echo', { value: 1 }, { delayMs: 60_000 });
    const res = await request(http).post(`/tasks/${task_id}/cancel`).set('content-type', 'application/json').send('{"oops":').expect(400);
    expect(res.body.message).toMatch(/^Malformed JSON body/);
  });

  it('documents every endpoint in /docs-json and serves Swagger UI at /docs', async () => {
    const doc = (await request(http).get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations).toEqual(
      expect.arrayContaining(['GET /tasks', 'GET /tasks/statistics', 'GET /tasks/{id}', 'POST /tasks/{id}/cancel', 'POST /tasks/{id}/retry']),
    );
    const getTask = doc.paths['/tasks/{id}'].get as { responses: Record<string, unknown> };
    expect(Object.keys(getTask.responses)).toEqual(expect.arrayContaining(['200', '400', '404']));
    const ui = await request(http).get('/docs/').expect(200);
    expect(ui.text).toContain('swagger-ui');
  });
});
