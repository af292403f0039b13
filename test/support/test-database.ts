import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** A fresh, empty database for one test file, on the dialect the run is for. */
export interface TestDatabase {
  dialect: 'postgres' | 'sqlite';
  /** Environment variables that point the app at it. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** The dialect of this test run: PostgreSQL when `DATABASE_URL` is set, SQLite otherwise. */
export const TEST_DIALECT: 'postgres' | 'sqlite' = process.env.DATABASE_URL ? 'postgres' : 'sqlite';

/**
 * PostgreSQL: creates a database named after a random suffix on the server of
 * `DATABASE_URL` (so test files never share state). SQLite: a file in a new
 * temporary directory.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const dir = mkdtempSync(join(tmpdir(), 'tasks-test-'));
    return {
      dialect: 'sqlite',
      env: { SQLITE_PATH: join(dir, 'tasks.sqlite') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `tasks_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    dialect: 'postgres',
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const client = new Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
