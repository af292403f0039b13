import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Documents, test suites, test runs, reports and pipelines (SQLite: ISO-8601 text times, JSON as text). */
export class CreatePipelineTables1764234000000 implements MigrationInterface {
  name = 'CreatePipelineTables1764234000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE documents (
        id               varchar(36) PRIMARY KEY NOT NULL,
        name             varchar(255) NOT NULL,
        format           varchar(16)  NOT NULL CHECK (format IN ('openapi', 'markdown', 'text')),
        content          text         NOT NULL,
        size_bytes       integer      NOT NULL,
        sha256           char(64)     NOT NULL,
        created_at       varchar(30)  NOT NULL,
        analysis         text,
        analysis_task_id varchar(36),
        analyzed_at      varchar(30)
      )`);
    await queryRunner.query(`
      CREATE TABLE test_suites (
        id           varchar(36) PRIMARY KEY NOT NULL,
        document_id  varchar(36) NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        task_id      varchar(36),
        created_at   varchar(30) NOT NULL,
        spec_version varchar(16) NOT NULL,
        case_count   integer     NOT NULL,
        cases        text       NOT NULL,
        validation   text       NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX test_suites_document_idx ON test_suites (document_id)`);
    await queryRunner.query(`
      CREATE TABLE test_runs (
        id                 varchar(36) PRIMARY KEY NOT NULL,
        suite_id           varchar(36) NOT NULL REFERENCES test_suites (id) ON DELETE CASCADE,
        task_id            varchar(36),
        status             varchar(16)  NOT NULL,
        base_url           varchar(2048) NOT NULL,
        headers_masked     text        NOT NULL,
        secret_headers     text        NOT NULL,
        concurrency        integer      NOT NULL,
        request_timeout_ms integer      NOT NULL,
        summary            text,
        results            text,
        error              text,
        created_at         varchar(30)  NOT NULL,
        started_at         varchar(30),
        completed_at       varchar(30)
      )`);
    await queryRunner.query(`CREATE INDEX test_runs_suite_idx ON test_runs (suite_id)`);
    await queryRunner.query(`
      CREATE TABLE reports (
        id         varchar(36) PRIMARY KEY NOT NULL,
        run_id     varchar(36) NOT NULL REFERENCES test_runs (id) ON DELETE CASCADE,
        task_id    varchar(36),
        created_at varchar(30) NOT NULL,
        summary    text       NOT NULL,
        body_json  text        NOT NULL,
        markdown   text        NOT NULL,
        html       text        NOT NULL,
        junit      text        NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX reports_run_idx ON reports (run_id)`);
    await queryRunner.query(`
      CREATE TABLE pipelines (
        id             varchar(36) PRIMARY KEY NOT NULL,
        document_id    varchar(36) NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        status         varchar(16) NOT NULL,
        options        text       NOT NULL,
        secret_headers text       NOT NULL,
        steps          text       NOT NULL,
        created_at     varchar(30) NOT NULL,
        updated_at     varchar(30) NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['pipelines', 'reports', 'test_runs', 'test_suites', 'documents']) await queryRunner.query(`DROP TABLE ${table}`);
  }
}
