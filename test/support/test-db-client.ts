import { Client } from 'pg';
import * as sqlite3 from 'sqlite3';
import type { TestDatabase } from './test-database';

/**
 * A plain connection to a test database, for the test to look at rows directly
 * (the fault tests count tasks and side effects while app processes run).
 * SQL uses PostgreSQL's $1 placeholders; they are rewritten for SQLite.
 */
export class TestDbClient {
  private constructor(
    private readonly pg?: Client,
    private readonly lite?: sqlite3.Database,
  ) {}

  static async connect(db: TestDatabase): Promise<TestDbClient> {
    if (db.dialect === 'postgres') {
      const client = new Client({ connectionString: db.env.DATABASE_URL });
      // A test that cuts connections may cut this one; the next query then fails loudly instead.
      client.on('error', () => undefined);
      await client.connect();
      return new TestDbClient(client);
    }
    const lite = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(db.env.SQLITE_PATH, (err) => (err ? reject(err) : resolve(d)));
    });
    await new Promise<void>((resolve, reject) => lite.exec('PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL', (e) => (e ? reject(e) : resolve())));
    return new TestDbClient(undefined, lite);
  }

  async query<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    if (this.pg) return (await this.pg.query(sql, params)).rows as R[];
    const text = sql.replace(/\$(\d+)/g, '?$1');
    return new Promise((resolve, reject) => this.lite!.all(text, params, (err, rows) => (err ? reject(err) : resolve(rows as R[]))));
  }

  async count(sql: string, params: unknown[] = []): Promise<number> {
    const rows = await this.query<{ n: number | string }>(sql, params);
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    if (this.pg) await this.pg.end();
    if (this.lite) await new Promise<void>((resolve) => this.lite!.close(() => resolve()));
  }
}
