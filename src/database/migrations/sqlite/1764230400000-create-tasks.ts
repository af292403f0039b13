import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tasks table and its indexes (SQLite). Times are ISO-8601 UTC text, JSON
 * is text; the partial indexes mirror the PostgreSQL ones.
 */
export class CreateTasks1764230400000 implements MigrationInterface {
  name = 'CreateTasks1764230400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tasks (
        task_id             varchar(36)  PRIMARY KEY NOT NULL,
        task_type           varchar(100) NOT NULL,
        status              varchar(16)  NOT NULL
                            CHECK (status IN ('pending', 'running', 'completed', 'failed', 'retrying', 'cancelled', 'timeout')),
        priority            integer      NOT NULL CHECK (priority IN (1, 5, 10, 20)),
        run_at              varchar(30)  NOT NULL,
        created_at          varchar(30)  NOT NULL,
        updated_at          varchar(30)  NOT NULL,
        started_at          varchar(30),
        completed_at        varchar(30),
        input_data          text,
        result_data         text,
        error_info          text,
        retry_count         integer      NOT NULL DEFAULT 0,
        max_retries         integer      NOT NULL,
        timeout_seconds     integer      NOT NULL,
        metadata            text         NOT NULL DEFAULT '{}',
        progress            integer      NOT NULL DEFAULT 0,
        progress_message    text,
        idempotency_key     varchar(255),
        attempt             integer      NOT NULL DEFAULT 0,
        attempt_history     text         NOT NULL DEFAULT '[]',
        locked_by           varchar(128),
        locked_until        varchar(30),
        cancel_requested_at varchar(30)
      )`);
    await queryRunner.query(`
      CREATE INDEX tasks_claim_idx ON tasks (task_type, priority, run_at, task_id)
      WHERE status IN ('pending', 'retrying')`);
    await queryRunner.query(`CREATE INDEX tasks_lease_idx ON tasks (locked_until) WHERE status = 'running'`);
    await queryRunner.query(`
      CREATE INDEX tasks_finished_idx ON tasks (completed_at)
      WHERE status IN ('completed', 'failed', 'cancelled', 'timeout')`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX tasks_idempotency_idx ON tasks (task_type, idempotency_key)
      WHERE idempotency_key IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tasks`);
  }
}
