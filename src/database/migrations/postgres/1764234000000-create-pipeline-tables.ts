import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Documents, test suites, test runs, reports and pipelines (PostgreSQL). */
export class CreatePipelineTables1764234000000 implements MigrationInterface {
  name = 'CreatePipelineTables1764234000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE documents (
        id               uuid PRIMARY KEY,
        name             varchar(255) NOT NULL,
        format           varchar(16)  NOT NULL CHECK (format IN ('openapi', 'markdown', 'text')),
        content          text         NOT NULL,
        size_bytes       integer      NOT NULL,
        sha256           char(64)     NOT NULL,
        created_at       timestamptz  NOT NULL,
        analysis         jsonb,
        analysis_task_id uuid,
        analyzed_at      timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE test_suites (
        id           uuid PRIMARY KEY,
        document_id  uuid        NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        task_id      uuid,
        created_at   timestamptz NOT NULL,
        spec_version varchar(16) NOT NULL,
        case_count   integer     NOT NULL,
        cases        jsonb       NOT NULL,
        validation   jsonb       NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX test_suites_document_idx ON test_suites (document_id)`);
    await queryRunner.query(`
      CREATE TABLE test_runs (
        id                 uuid PRIMARY KEY,
        suite_id           uuid         NOT NULL REFERENCES test_suites (id) ON DELETE CASCADE,
        task_id            uuid,
        status             varchar(16)  NOT NULL,
        base_url           varchar(2048) NOT NULL,
        headers_masked     jsonb        NOT NULL,
        secret_headers     jsonb        NOT NULL,
        concurrency        integer      NOT NULL,
        request_timeout_ms integer      NOT NULL,
        summary            jsonb,
        results            jsonb,
        error              text,
        created_at         timestamptz  NOT NULL,
        started_at         timestamptz,
        completed_at       timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX test_runs_suite_idx ON test_runs (suite_id)`);
    await queryRunner.query(`
      CREATE TABLE reports (
        id         uuid PRIMARY KEY,
        run_id     uuid        NOT NULL REFERENCES test_runs (id) ON DELETE CASCADE,
        task_id    uuid,
        created_at timestamptz NOT NULL,
        summary    jsonb       NOT NULL,
        body_json  text        NOT NULL,
        markdown   text        NOT NULL,
        html       text        NOT NULL,
        junit      text        NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX reports_run_idx ON reports (run_id)`);
    await queryRunner.query(`
      CREATE TABLE pipelines (
        id             uuid PRIMARY KEY,
        document_id    uuid        NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        status         varchar(16) NOT NULL,
        options        jsonb       NOT NULL,
        secret_headers jsonb       NOT NULL,
        steps          jsonb       NOT NULL,
        created_at     timestamptz NOT NULL,
        updated_at     timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['pipelines', 'reports', 'test_runs', 'test_suites', 'documents']) await queryRunner.query(`DROP TABLE ${table}`);
  }
}
