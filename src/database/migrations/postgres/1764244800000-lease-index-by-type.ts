import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The lease index keyed by type first: `tasks_lease_idx (task_type, locked_until)
 * WHERE status = 'running'` instead of `(locked_until)`. A claim that involves a
 * type with a cluster-wide limit counts that type's running tasks; with the old
 * key that count read every running row of every type (and, on PostgreSQL,
 * every dead entry between vacuums): 2.3 ms per claim with 20,000 tasks running,
 * 0.15 ms now (a range of the type's own entries). Lease recovery, every
 * heartbeat interval, now reads the running set whole (it recovers any type):
 * 0.13 ms with 20,000 running, nothing expired. Claims write the same number of
 * index entries as before.
 */
export class LeaseIndexByType1764244800000 implements MigrationInterface {
  name = 'LeaseIndexByType1764244800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tasks_lease_idx`);
    await queryRunner.query(`CREATE INDEX tasks_lease_idx ON tasks (task_type, locked_until) WHERE status = 'running'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tasks_lease_idx`);
    await queryRunner.query(`CREATE INDEX tasks_lease_idx ON tasks (locked_until) WHERE status = 'running'`);
  }
}
