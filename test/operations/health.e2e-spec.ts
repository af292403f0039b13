import { createServer, Socket, type Server } from 'node:net';
import request from 'supertest';
import type { App } from 'supertest/types';
import { TestTasksModule } from '../fixtures/test-tasks.module';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../src/database/migrations';

interface HealthBody {
  status: 'ok' | 'error';
  info: Record<string, Record<string, unknown>>;
  error: Record<string, Record<string, unknown>>;
  details: Record<string, Record<string, unknown>>;
}

describe(`Health on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ env: db.env, imports: [TestTasksModule], listen: true });
    http = t.app.getHttpServer() as App;
    await waitFor(() => t.dispatcher.lastHeartbeat, 'a first heartbeat');
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('is live and ready with a database, migrations, dispatcher and worker pool', async () => {
    expect((await request(http).get('/health/live').expect(200)).body).toMatchObject({ status: 'ok', info: { event_loop: { status: 'up' } } });
    const ready = (await request(http).get('/health/ready').expect(200)).body as HealthBody;
    expect(Object.keys(ready.info).sort()).toEqual(['database', 'dispatcher', 'migrations', 'worker_pool']);
    expect(ready.info.migrations).toMatchObject({ status: 'up', applied: (TEST_DIALECT === 'postgres' ? POSTGRES_MIGRATIONS : SQLITE_MIGRATIONS).length });
    expect(ready.info.dispatcher).toMatchObject({ status: 'up', worker_id: t.dispatcher.workerId });
    expect(ready.info.worker_pool).toMatchObject({ status: 'up', size: 2, threads: 2 });
  });

  it('reports the queue backlog and the oldest waiting task in the full view', async () => {
    await t.tasks.submit('test.echo', { value: 1 }, { delayMs: 60_000 });
    const body = (await request(http).get('/health').expect(200)).body as HealthBody;
    expect(body.details.queue).toMatchObject({ status: 'up', backlog: 1, oldest_waiting_age_seconds: null });
    expect(body.details.event_loop.status).toBe('up');
  });

  it('is not ready (503, naming the dispatcher) when this worker stops claiming; live stays 200', async () => {
    await t.dispatcher.stop();
    const res = await request(http).get('/health/ready').expect(503);
    const body = res.body as HealthBody;
    expect(body.status).toBe('error');
    expect(body.error.dispatcher).toMatchObject({ status: 'down', message: 'the dispatcher is not running' });
    await request(http).get('/health/live').expect(200);
  });
});

/** A TCP relay to PostgreSQL that the test can close, to make the database unreachable on purpose. */
class ClosableRelay {
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  port = 0;

  async open(targetPort: number): Promise<void> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Stops accepting and cuts every open connection: the port is closed. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

(TEST_DIALECT === 'postgres' ? describe : describe.skip)('Health when PostgreSQL becomes unreachable', () => {
  // (SQLite is an embedded file: there is no server to lose, so this case is PostgreSQL's.)
  let db: TestDatabase;
  let t: TestApp;
  const relay = new ClosableRelay();

  beforeAll(async () => {
    db = await createTestDatabase();
    const url = new URL(db.env.DATABASE_URL);
    await relay.open(Number(url.port || 5432));
    url.port = String(relay.port);
    url.hostname = '127.0.0.1';
    t = await createTestApp({ env: { DATABASE_URL: url.toString() }, imports: [TestTasksModule], listen: true });
    await waitFor(() => t.dispatcher.lastHeartbeat, 'a first heartbeat');
  });

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await db?.drop();
  });

  it('answers ready 503 naming the database once its port is closed, while live stays 200', async () => {
    const http = t.app.getHttpServer() as App;
    await request(http).get('/health/ready').expect(200);
    await relay.close();
    const res = await request(http).get('/health/ready').expect(503);
    const body = res.body as HealthBody;
    expect(body.status).toBe('error');
    expect(body.error.database).toMatchObject({ status: 'down' });
    await request(http).get('/health/live').expect(200);
  });
});
