import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tasks table and the indexes its queries are built on (PostgreSQL). */
export class CreateTasks1764230400000 implements MigrationInterface {
  name = 'CreateTasks1764230400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tasks (
        task_id             uuid PRIMARY KEY,
        task_type           varchar(100) NOT NULL,
        status              varchar(16)  NOT NULL
                            CHECK (status IN ('pending', 'running', 'completed', 'failed', 'retrying', 'cancelled', 'timeout')),
        priority            smallint     NOT NULL CHECK (priority IN (1, 5, 10, 20)),
        run_at              timestamptz  NOT NULL,
        created_at          timestamptz  NOT NULL,
        updated_at          timestamptz  NOT NULL,
        started_at          timestamptz,
        completed_at        timestamptz,
        input_data          jsonb,
        result_data         jsonb,
        error_info          jsonb,
        retry_count         integer      NOT NULL DEFAULT 0,
        max_retries         integer      NOT NULL,
        timeout_seconds     integer      NOT NULL,
        metadata            jsonb        NOT NULL DEFAULT '{}'::jsonb,
        progress            smallint     NOT NULL DEFAULT 0,
        progress_message    text,
        idempotency_key     varchar(255),
        attempt             integer      NOT NULL DEFAULT 0,
        attempt_history     jsonb        NOT NULL DEFAULT '[]'::jsonb,
        locked_by           varchar(128),
        locked_until        timestamptz,
        cancel_requested_at timestamptz
      )`);
    // The claim reads the head of each (type, priority) slice of waiting tasks.
    await queryRunner.query(`
      CREATE INDEX tasks_claim_idx ON tasks (task_type, priority, run_at, task_id)
      WHERE status IN ('pending', 'retrying')`);
    // Lease recovery: running tasks ordered by lease end.
    await queryRunner.query(`CREATE INDEX tasks_lease_idx ON tasks (locked_until) WHERE status = 'running'`);
    // Retention and the monitor's recent-finished sample.
    await queryRunner.query(`
      CREATE INDEX tasks_finished_idx ON tasks (completed_at)
      WHERE status IN ('completed', 'failed', 'cancelled', 'timeout')`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX tasks_idempotency_idx ON tasks (task_type, idempotency_key)
      WHERE idempotency_key IS NOT NULL`);
    // A queue table churns: vacuum it long before the default 20 % of dead rows.
    await queryRunner.query(`ALTER TABLE tasks SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tasks`);
  }
}
