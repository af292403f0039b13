import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { InvalidConfigurationError } from '../../src/config';
import { DuplicateTaskHandlerError, MissingTaskHandlerError, TaskHandler } from '../../src/modules/tasks';
import { TASKS_MODULE_OPTIONS } from '../../src/modules/tasks/task.constants';
import { EchoHandler, TestTasksModule } from '../fixtures/test-tasks.module';
import { FAST_ENGINE_ENV } from '../support/test-app';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../src/database/migrations';

@Injectable()
@TaskHandler('test.echo', { executor: 'event-loop' })
class SecondEchoHandler {
  handle() {
    return { value: 'second' };
  }
}

@Module({ providers: [SecondEchoHandler] })
class DuplicateHandlerModule {}

describe(`Start-up checks on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function boot(imports: unknown[], env: Record<string, string> = {}): Promise<void> {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot({ ...FAST_ENGINE_ENV, ...db.env, TASK_WORKER_ENABLED: 'false', ...env }, imports as never[])],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
    } finally {
      await app.close();
    }
  }

  it('stops on a bad configuration value, naming the variable', () => {
    expect(() => AppModule.forRoot({ ...db.env, TASK_MAX_IO_WORKERS: '0' })).toThrow(InvalidConfigurationError);
    expect(() => AppModule.forRoot({ ...db.env, TASK_MAX_IO_WORKERS: '0' })).toThrow(/TASK_MAX_IO_WORKERS must not be less than 1/);
  });

  it('stops when two providers handle the same task type', async () => {
    await expect(boot([TestTasksModule, DuplicateHandlerModule])).rejects.toThrow(DuplicateTaskHandlerError);
    await expect(boot([TestTasksModule, DuplicateHandlerModule])).rejects.toThrow(`${EchoHandler.name} and ${SecondEchoHandler.name}`);
  });

  it('stops when a required task type has no handler', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({ ...FAST_ENGINE_ENV, ...db.env, TASK_WORKER_ENABLED: 'false' }),
        TestTasksModule,
      ],
    })
      .overrideProvider(TASKS_MODULE_OPTIONS)
      .useValue({ ...moduleOptions(), requiredTaskTypes: ['test.echo', 'nope.missing'] })
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(MissingTaskHandlerError);
    await app.close();
  });

  it('starts with every required handler present', async () => {
    await expect(boot([TestTasksModule])).resolves.toBeUndefined();
  });
});

function moduleOptions() {
  return {
    maxCpuWorkers: 1,
    maxIoWorkers: 1,
    defaultTimeoutSeconds: 10,
    defaultMaxRetries: 0,
    retryBaseMs: 10,
    retryMaxMs: 10,
    pollIntervalMs: 1000,
    heartbeatIntervalMs: 1000,
    leaseMs: 5000,
    abortGraceMs: 100,
    workerEnabled: false,
    shutdownGraceSeconds: 1,
    priorityAgingMs: 0,
    cleanupDays: 7,
    failedCleanupDays: 30,
    cleanupCron: '0 * * * *',
    cleanupBatchSize: 1000,
  };
}

describe(`Concurrent start-up on ${TEST_DIALECT}`, () => {
  it('migrates a fresh database once when several instances start together', async () => {
    const db = await createTestDatabase();
    try {
      const boots = [1, 2, 3].map(async () => {
        const moduleRef = await Test.createTestingModule({
          imports: [AppModule.forRoot({ ...FAST_ENGINE_ENV, ...db.env, TASK_WORKER_ENABLED: 'false' }, [TestTasksModule])],
        }).compile();
        const app = moduleRef.createNestApplication({ logger: false });
        await app.init();
        return app;
      });
      const apps = await Promise.all(boots);
      const dataSource = apps[0].get(DataSource);
      // Each of the dialect's migrations, once, in order.
      const expected = (TEST_DIALECT === 'postgres' ? POSTGRES_MIGRATIONS : SQLITE_MIGRATIONS).map((migration) => new migration().name);
      expect(await dataSource.query('SELECT name FROM migrations ORDER BY id')).toEqual(expected.map((name) => ({ name })));
      await Promise.all(apps.map((a) => a.close()));
    } finally {
      await db.drop();
    }
  });

  it('leaves a tasks table that refuses a status or priority outside the model, and takes every one inside it', async () => {
    const db = await createTestDatabase();
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [AppModule.forRoot({ ...FAST_ENGINE_ENV, ...db.env, TASK_WORKER_ENABLED: 'false' }, [TestTasksModule])],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      const dataSource = app.get(DataSource);
      const pg = TEST_DIALECT === 'postgres';
      let n = 0;
      const insert = (status: string, priority: number) =>
        dataSource.query(
          `INSERT INTO tasks (task_id, task_type, status, priority, run_at, created_at, updated_at, max_retries, timeout_seconds${pg ? '' : ', metadata, attempt_history'})
           VALUES ($1, 'test.echo', $2, $3, $4, $4, $4, 0, 60${pg ? '' : ", '{}', '[]'"})`,
          [`00000000-0000-7000-8000-${String(++n).padStart(12, '0')}`, status, priority, new Date().toISOString()],
        );
      for (const status of ['pending', 'running', 'completed', 'failed', 'retrying', 'cancelled', 'timeout']) await insert(status, 5);
      for (const priority of [1, 10, 20]) await insert('pending', priority);
      await expect(insert('paused', 5)).rejects.toThrow(/check/i);
      await expect(insert('pending', 7)).rejects.toThrow(/check/i);
      expect(await dataSource.query('SELECT count(*) AS n FROM tasks')).toEqual([{ n: pg ? '10' : 10 }]);
      await app.close();
    } finally {
      await db.drop();
    }
  });
});
