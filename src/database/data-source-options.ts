import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as sqlite3 from 'sqlite3';
import type { DataSourceOptions } from 'typeorm';
import type { EnvironmentVariables } from '../config/environment-variables';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations';

/**
 * sqlite3 as handed to TypeORM. TypeORM calls `verbose()` on it, which wraps
 * every Database and Statement method of the process — the task store's too —
 * in long-stack-trace code: an Error and a `util.inspect` of every argument on
 * each call (~8 % of the main thread in a SQLite drain, more in submits, whose
 * argument is a JSON batch). Errors keep their message and SQLite's code.
 */
const sqlite3WithoutTraces = Object.create(sqlite3, { verbose: { value: () => sqlite3 } }) as typeof sqlite3;

/**
 * TypeORM options from the configuration: PostgreSQL when `DATABASE_URL` is set,
 * otherwise the embedded SQLite file (WAL mode, busy timeout). Migrations run at
 * start-up (`runMigrations`, one instance at a time); `synchronize` is never on.
 */
export function buildDataSourceOptions(env: EnvironmentVariables): DataSourceOptions {
  if (env.DATABASE_URL) {
    return {
      type: 'postgres',
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      applicationName: 'async-task-system',
      // JIT compilation pays off for long analytical queries, never for this OLTP traffic: the generic plan of
      // the prepared claim statement is costed high enough to trigger it and then spends ~20 ms compiling on
      // every execution (measured: 1.5 ms → 25 ms per claim).
      extra: { options: '-c jit=off' },
      migrations: POSTGRES_MIGRATIONS,
      migrationsRun: false,
      synchronize: false,
      logging: false,
    };
  }
  const database = resolve(env.SQLITE_PATH);
  mkdirSync(dirname(database), { recursive: true });
  return {
    type: 'sqlite',
    driver: sqlite3WithoutTraces,
    database,
    enableWAL: true,
    busyTimeout: 10_000,
    migrations: SQLITE_MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  };
}
