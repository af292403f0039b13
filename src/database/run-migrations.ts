import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** Advisory lock key held while migrating ('migrate' in ASCII, trimmed to 48 bits). */
const MIGRATION_LOCK_KEY = 0x6d6967726174;

/**
 * Runs pending migrations at start-up, safely when several instances start at
 * once (docker compose starts the API and every worker together). On PostgreSQL
 * a session advisory lock makes the others wait and then find nothing left to
 * do. SQLite has no such lock across processes: if a concurrent process wins the
 * race, this one's attempt fails, and it accepts the outcome once no migration is
 * pending any more.
 */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  const logger = new Logger('Migrations');
  const runner = dataSource.createQueryRunner();
  const postgres = dataSource.options.type === 'postgres';
  await runner.connect();
  try {
    if (postgres) await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) logger.log(`Applied ${applied.map((m) => m.name).join(', ')}`);
    } catch (error) {
      if (await dataSource.showMigrations()) throw error;
      logger.log('Another instance applied the migrations meanwhile');
    } finally {
      if (postgres) await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
