import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { getRepositoryToken } from '@nestjs/typeorm';
import request from 'supertest';
import type { App } from 'supertest/types';
import type { Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { SAMPLE_API_YAML } from '../../src/demo/sample-api';
import { startSampleTarget, type SampleTarget } from '../../src/demo/sample-target';
import { TestRunEntity } from '../../src/modules/test-suites/entities/test-run.entity';
import type { CaseResult } from '../../src/modules/test-suites/test-case.interface';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';
import { completedTask } from '../support/http-helpers';

/*
 * The SSRF guard end to end, with real requests — to loopback only: a listener
 * on [::] port P counts every connection; nothing here ever sends traffic to an
 * address outside 127.0.0.0/8 and ::1. (Private, link-local, metadata, CGNAT and
 * unique-local ranges are proven by the unit tests of the address classifier
 * and of the connect-time check with a stubbed resolver.)
 */

async function suiteOn(http: App): Promise<string> {
  const doc = await request(http).post('/documents').send({ name: 'sample.yaml', content: SAMPLE_API_YAML }).expect(201);
  const generation = await request(http).post(`/documents/${doc.body.id}/test-suites`).send({}).expect(202);
  return (await completedTask<{ test_suite_id: string }>(http, generation.body.task_id)).result_data!.test_suite_id;
}

describe(`SSRF guard of test runs on ${TEST_DIALECT}`, () => {
  let target: SampleTarget;
  let variants: Array<[string, string]>;

  beforeAll(async () => {
    target = await startSampleTarget('conforming', 0, '::');
    const port = target.port;
    variants = [
      ['an IPv4 literal', `http://127.0.0.1:${port}`],
      ['an IPv6 literal', `http://[::1]:${port}`],
      ['a hexadecimal IPv4', `http://0x7f000001:${port}`],
      ['a short IPv4', `http://127.1:${port}`],
      ['localhost', `http://localhost:${port}`],
    ];
    // This machine's own name resolves to loopback in /etc/hosts: a hostname that is not a literal and not "localhost".
    const own = hostname();
    const resolved = await lookup(own, { all: true }).catch(() => []);
    if (resolved.length > 0 && resolved.every((a) => a.address.startsWith('127.') || a.address === '::1')) variants.push([`a hostname resolving to loopback (${own})`, `http://${own}:${port}`]);
    else console.warn(`SSRF test: ${own} does not resolve to loopback here, so the "hostname resolving to 127.0.0.1" case relies on "localhost" alone`);
  });

  afterAll(async () => {
    await target?.close();
  });

  describe('without an allowlist', () => {
    let db: TestDatabase;
    let t: TestApp;
    let http: App;
    let suiteId: string;

    beforeAll(async () => {
      db = await createTestDatabase();
      t = await createTestApp({ env: db.env, listen: true });
      http = t.app.getHttpServer() as App;
      suiteId = await suiteOn(http);
    });

    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('refuses every loopback form of the target, and the listener sees no connection', async () => {
      for (const [what, url] of variants) {
        const res = await request(http).post(`/test-suites/${suiteId}/runs`).send({ base_url: url });
        expect({ what, status: res.status }).toEqual({ what, status: 400 });
        expect(res.body.message).toMatch(/^base_url refused: Refused to send requests to target host .* loopback/);
        expect(res.body.message).toContain('TEST_TARGET_ALLOWLIST');
      }
      expect(target.connections).toBe(0);
    });

    it('refuses again at connect time, inside the execution task, when a run gets past the first check', async () => {
      // A run row written directly (as if DNS had pointed elsewhere when the run was created).
      const runs = t.app.get<Repository<TestRunEntity>>(getRepositoryToken(TestRunEntity));
      const run = Object.assign(new TestRunEntity(), {
        id: uuidv7(), suiteId, taskId: null, status: 'queued', baseUrl: `http://localhost:${target.port}`, headersMasked: {}, secretHeaders: {},
        concurrency: 2, requestTimeoutMs: 5000, summary: null, results: null, error: null, createdAt: new Date(), startedAt: null, completedAt: null,
      });
      await runs.save(run);
      const { task_id } = await t.tasks.submit('test_execution', { test_run_id: run.id });
      const task = await completedTask<{ errored: number; total: number }>(http, task_id);
      expect(task.result_data!.errored).toBe(task.result_data!.total);
      const stored = (await request(http).get(`/test-runs/${run.id}`).expect(200)).body as { results: CaseResult[] };
      for (const result of stored.results) {
        expect(result.outcome).toBe('errored');
        expect(result.error).toMatch(/^ESSRFBLOCKED: Refused to send requests to target host "localhost"/);
      }
      expect(target.connections).toBe(0);
    });
  });

  describe('with loopback allowlisted', () => {
    let db: TestDatabase;
    let t: TestApp;
    let http: App;
    let suiteId: string;

    beforeAll(async () => {
      db = await createTestDatabase();
      t = await createTestApp({ env: { ...db.env, TEST_TARGET_ALLOWLIST: '127.0.0.0/8, ::1' }, listen: true });
      http = t.app.getHttpServer() as App;
      suiteId = await suiteOn(http);
    });

    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('reaches the target through every form', async () => {
      for (const [what, url] of variants) {
        const before = target.connections;
        const started = await request(http).post(`/test-suites/${suiteId}/runs`).send({ base_url: url, concurrency: 2 });
        expect({ what, status: started.status }).toEqual({ what, status: 202 });
        const task = await completedTask<{ passed: number; total: number }>(http, started.body.task_id);
        expect({ what, passed: task.result_data!.passed }).toEqual({ what, passed: task.result_data!.total });
        expect(target.connections).toBeGreaterThan(before);
      }
    });
  });
});
