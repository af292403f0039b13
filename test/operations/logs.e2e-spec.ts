import { ChaosTasksModule } from '../fixtures/chaos/chaos-tasks.module';
import { AppProcess } from '../support/app-process';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

interface LogLine {
  level: number;
  msg: string;
  context?: string;
  task_id?: string;
  task_type?: string;
  attempt?: number;
  request_id?: string;
  req?: { id: string; method: string; url: string; headers?: Record<string, string> };
  res?: { statusCode: number };
}

describe(`Structured logs on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let api: TestApp;
  let app: AppProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await createTestApp({ env: { ...db.env, TASK_WORKER_ENABLED: 'false' }, imports: [ChaosTasksModule] });
    app = await AppProcess.start('logger', { ...db.env, NODE_ENV: 'production', LOG_LEVEL: 'info' });
  });

  afterAll(async () => {
    await app?.stop();
    await api?.close();
    await db?.drop();
  });

  function lines(): LogLine[] {
    return app.logs
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  }

  it('writes JSON lines; a line written while a task runs carries its id and type; payloads and secrets stay out', async () => {
    const { task_id } = await api.tasks.submit('chaos.log', { secret: 'TOPSECRET-42' });
    await waitFor(async () => (await api.tasks.find(task_id))?.status === 'completed', 'the task');
    const line = await waitFor(() => lines().find((l) => l.msg === 'chaos handler says hello'), 'the handler line');
    expect(line).toMatchObject({ task_id, task_type: 'chaos.log', attempt: 1, context: 'ChaosLog', level: 30 });
    // The debug line with the input is below the info level; nothing anywhere carries the payload.
    expect(app.logs).not.toContain('TOPSECRET-42');
  });

  it('puts a request id on every request line, echoing the caller’s, and redacts credentials', async () => {
    const res = await fetch(app.url('/tasks?limit=1'), { headers: { 'x-request-id': 'req-abc-123', authorization: 'Bearer SECRET-TOKEN' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    const generated = await fetch(app.url('/tasks/statistics'));
    const generatedId = generated.headers.get('x-request-id');
    expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);
    const requestLines = await waitFor(() => {
      const found = lines().filter((l) => l.msg === 'request completed');
      return found.length >= 2 ? found : null;
    }, 'the request lines');
    expect(requestLines.find((l) => l.req?.url === '/tasks?limit=1')).toMatchObject({ request_id: 'req-abc-123', res: { statusCode: 200 } });
    expect(requestLines.find((l) => l.req?.url === '/tasks/statistics')).toMatchObject({ request_id: generatedId });
    expect(app.logs).not.toContain('SECRET-TOKEN');
  });
});
