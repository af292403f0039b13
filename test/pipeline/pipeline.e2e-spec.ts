import request from 'supertest';
import type { App } from 'supertest/types';
import { SAMPLE_API_YAML } from '../../src/demo/sample-api';
import { startSampleTarget, type SampleTarget } from '../../src/demo/sample-target';
import type { CaseResult, RunSummary, TestCase } from '../../src/modules/test-suites/test-case.interface';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';
import { completedTask, waitForTask } from '../support/http-helpers';
import { waitFor } from '../support/wait';

interface RunView {
  id: string;
  status: string;
  headers: Record<string, string>;
  summary: RunSummary;
  results: CaseResult[];
}

describe(`API-description pipeline through HTTP on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let http: App;
  let conforming: SampleTarget;
  let broken: SampleTarget;
  let documentId: string;
  let suiteId: string;
  let cases: TestCase[];

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ env: { ...db.env, TEST_TARGET_ALLOWLIST: '127.0.0.0/8,::1,localhost' }, listen: true });
    http = t.app.getHttpServer() as App;
    [conforming, broken] = await Promise.all([startSampleTarget('conforming'), startSampleTarget('broken')]);
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([conforming?.close(), broken?.close()]);
    await db?.drop();
  });

  async function runSuite(baseUrl: string, extra: Record<string, unknown> = {}): Promise<{ run: RunView; taskId: string }> {
    const started = await request(http).post(`/test-suites/${suiteId}/runs`).send({ base_url: baseUrl, concurrency: 3, ...extra }).expect(202);
    expect(started.body).toEqual({ task_id: expect.any(String), test_run_id: expect.any(String), status: 'submitted', message: expect.stringContaining(started.body.test_run_id) });
    const task = await completedTask<{ test_run_id: string }>(http, started.body.task_id);
    expect(task.result_data?.test_run_id).toBe(started.body.test_run_id);
    const run = (await request(http).get(`/test-runs/${started.body.test_run_id}`).expect(200)).body as RunView;
    return { run, taskId: started.body.task_id };
  }

  it('uploads the description and analyses it in a worker thread', async () => {
    const created = await request(http).post('/documents').send({ name: 'sample.yaml', content: SAMPLE_API_YAML }).expect(201);
    expect(created.body).toMatchObject({ name: 'sample.yaml', format: 'openapi', size_bytes: Buffer.byteLength(SAMPLE_API_YAML) });
    documentId = created.body.id;
    const submitted = await request(http).post(`/documents/${documentId}/analyze`).send({ priority: 10 }).expect(202);
    expect(submitted.body).toEqual({ task_id: expect.any(String), status: 'submitted', message: expect.any(String) });
    const task = await completedTask(http, submitted.body.task_id);
    expect(task.priority).toBe(10);
    const analysis = (await request(http).get(`/documents/${documentId}/analysis`).expect(200)).body;
    expect(analysis.task_id).toBe(task.task_id);
    expect(analysis.analysis).toMatchObject({
      format: 'openapi',
      spec_version: '3.0.3',
      title: 'Sample Pet Store',
      api_version: '1.0.0',
      summary: { path_count: 2, operation_count: 4, schema_count: 3 },
    });
    expect(task.result_data).toMatchObject({ document_id: documentId, summary: { operation_count: 4 } });
  });

  it('generates positive and negative cases for every operation', async () => {
    const submitted = await request(http).post(`/documents/${documentId}/test-suites`).send({}).expect(202);
    const task = await completedTask<{ test_suite_id: string; case_count: number }>(http, submitted.body.task_id);
    suiteId = task.result_data!.test_suite_id;
    const suite = (await request(http).get(`/test-suites/${suiteId}`).expect(200)).body as { cases: TestCase[]; operations: string[]; case_count: number };
    cases = suite.cases;
    expect(suite.case_count).toBe(task.result_data!.case_count);
    expect(suite.operations.sort()).toEqual(['DELETE /pets/{petId}', 'GET /pets', 'GET /pets/{petId}', 'POST /pets']);
    expect(cases.filter((c) => c.kind === 'positive').map((c) => c.operation_key).sort()).toEqual(suite.operations.sort());
    const create = cases.find((c) => c.operation_key === 'POST /pets' && c.kind === 'positive')!;
    expect(create.request.body).toEqual({ name: 'Rex', tag: 'dog', status: 'available' }); // the documented example
    expect(create.expected_statuses).toEqual(['201']);
    const variants = (key: string) => cases.filter((c) => c.operation_key === key && c.kind === 'negative').map((c) => `${c.variant}:${c.target}`);
    expect(variants('POST /pets')).toEqual(
      expect.arrayContaining(['missing_required_body:body', 'missing_required_field:body.name', 'wrong_type:body.name', 'too_short:body.name', 'too_long:body.name', 'invalid_enum:body.status']),
    );
    expect(variants('GET /pets')).toEqual(expect.arrayContaining(['wrong_type:query.limit', 'below_minimum:query.limit', 'above_maximum:query.limit', 'invalid_enum:query.status']));
    expect(variants('GET /pets/{petId}')).toEqual(expect.arrayContaining(['wrong_type:path.petId', 'below_minimum:path.petId']));
    for (const c of cases.filter((c) => c.kind === 'negative')) expect(c.expected_statuses).toEqual(['4XX']);
  });

  it('passes every case against a target that honours its description', async () => {
    const { run, taskId } = await runSuite(conforming.url);
    const failing = run.results.filter((r) => r.outcome !== 'passed').map((r) => `${r.name}: ${r.error ?? r.failures.map((f) => f.message).join('; ')}`);
    expect(failing).toEqual([]);
    expect(run.status).toBe('completed');
    expect(run.summary).toMatchObject({ total: cases.length, passed: cases.length, failed: 0, errored: 0 });
    expect(run.summary.latency_ms.p50).toEqual(expect.any(Number));
    expect(run.summary.latency_ms.p95).toEqual(expect.any(Number));
    const task = (await request(http).get(`/tasks/${taskId}`).expect(200)).body;
    expect(task).toMatchObject({ progress: 100, progress_message: `${cases.length}/${cases.length} cases` });
  });

  it('fails exactly the cases that meet a seeded contract violation, each with the right reason', async () => {
    const { run } = await runSuite(broken.url);
    const failed = new Map(run.results.filter((r) => r.outcome !== 'passed').map((r) => [r.case_id, r]));
    const expected = new Map<string, string>();
    for (const c of cases) {
      if (c.operation_key === 'GET /pets' && c.kind === 'positive') expected.set(c.id, 'content_type_conformance');
      if (c.operation_key === 'GET /pets/{petId}' && c.kind === 'positive') expected.set(c.id, 'response_schema_conformance');
      if (c.operation_key === 'DELETE /pets/{petId}' && c.kind === 'positive') expected.set(c.id, 'not_a_server_error');
      if (c.operation_key === 'POST /pets' && c.kind === 'negative') expected.set(c.id, 'negative_data_rejection');
    }
    expect([...failed.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [caseId, check] of expected) {
      const result = failed.get(caseId)!;
      expect(result.outcome).toBe('failed');
      expect(result.failures.map((f) => f.check)).toContain(check);
    }
    const schemaFailure = failed.get(cases.find((c) => c.operation_key === 'GET /pets/{petId}' && c.kind === 'positive')!.id)!;
    expect(schemaFailure.failures.find((f) => f.check === 'response_schema_conformance')!.message).toMatch(/\/id must be integer/);
    expect(run.summary.failed).toBe(expected.size);
    expect(run.summary.passed).toBe(cases.length - expected.size);
  });

  it('masks the credentials of a run everywhere it stores or shows them', async () => {
    const { run, taskId } = await runSuite(conforming.url, { headers: { authorization: 'Bearer TOPSECRET-1', 'x-api-key': 'KEY-SECRET-2', 'x-trace': 'visible' } });
    expect(run.headers).toEqual({ authorization: 'Bearer ***', 'x-api-key': '***', 'x-trace': 'visible' });
    expect(run.results[0].request.headers).toMatchObject({ authorization: 'Bearer ***', 'x-api-key': '***', 'x-trace': 'visible' });
    const task = (await request(http).get(`/tasks/${taskId}`).expect(200)).body;
    const everything = JSON.stringify([run, task]);
    expect(everything).not.toContain('TOPSECRET-1');
    expect(everything).not.toContain('KEY-SECRET-2');
  });

  it('renders reports in four formats; the HTML escapes what a hostile target answered', async () => {
    const { run } = await runSuite(broken.url);
    const submitted = await request(http).post(`/test-runs/${run.id}/reports`).send({}).expect(202);
    const task = await completedTask<{ report_id: string }>(http, submitted.body.task_id);
    const reportId = task.result_data!.report_id;
    const report = (await request(http).get(`/reports/${reportId}`).expect(200)).body;
    expect(report).toMatchObject({ id: reportId, run_id: run.id, summary: { total: cases.length, failed: run.summary.failed } });

    const html = await request(http).get(`/reports/${reportId}/download`).query({ format: 'html' }).expect(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.headers['content-disposition']).toBe(`attachment; filename="report-${reportId}.html"`);
    expect(html.text).toMatch(/^<!DOCTYPE html>/i);
    expect(html.text).not.toContain('<script');
    expect(html.text).toContain('&lt;script&gt;alert(');
    expect(html.text).toContain('<svg');
    expect(html.text).toContain('curl -sS');
    const markdown = await request(http).get(`/reports/${reportId}/download`).query({ format: 'markdown' }).expect(200);
    expect(markdown.headers['content-type']).toMatch(/^text\/markdown/);
    expect(markdown.text).toContain('Sample Pet Store');
    const json = await request(http).get(`/reports/${reportId}/download`).query({ format: 'json' }).expect(200);
    expect(JSON.parse(json.text).summary).toEqual(run.summary);
    const junit = await request(http).get(`/reports/${reportId}/download`).query({ format: 'junit' }).expect(200);
    expect(junit.headers['content-type']).toMatch(/^application\/xml/);
    expect(junit.text).toContain(`failures="${run.summary.failed}"`);
    expect((await request(http).get(`/reports/${reportId}/download`).query({ format: 'pdf' }).expect(400)).body.message).toMatch(/^format must be one of/);
  });

  it('chains analysis → generation → execution → report from one call, visible on the tasks', async () => {
    const started = await request(http).post(`/documents/${documentId}/pipeline`).send({ base_url: broken.url, concurrency: 2 }).expect(202);
    expect(started.body).toMatchObject({ task_id: expect.any(String), pipeline_id: expect.any(String), status: 'submitted' });
    const chain: Array<{ type: string; result: Record<string, unknown> }> = [];
    let taskId: string | undefined = started.body.task_id;
    while (taskId) {
      const task = await completedTask<Record<string, unknown>>(http, taskId, 60_000);
      chain.push({ type: task.task_type, result: task.result_data! });
      expect(task.metadata).toMatchObject({ pipeline_id: started.body.pipeline_id });
      taskId = task.result_data!.next_task_id as string | undefined;
    }
    expect(chain.map((c) => c.type)).toEqual(['document_analysis', 'test_generation', 'test_execution', 'report_generation']);
    expect(chain[1].result.test_suite_id).toEqual(expect.any(String));
    expect(chain[2].result.test_run_id).toEqual(expect.any(String));
    expect(chain[3].result.report_id).toEqual(expect.any(String));
    const pipeline = (await request(http).get(`/pipelines/${started.body.pipeline_id}`).expect(200)).body;
    expect(pipeline.status).toBe('completed');
    expect(pipeline.steps.report.report_id).toBe(chain[3].result.report_id);
    await request(http).get(`/reports/${chain[3].result.report_id as string}/download`).expect(200);
  });

  it('aborts in-flight requests when a running execution is cancelled', async () => {
    const sockets: import('node:net').Socket[] = [];
    const hanging = (await import('node:http')).createServer(() => undefined); // never answers
    hanging.on('connection', (s) => sockets.push(s));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    try {
      const started = await request(http).post(`/test-suites/${suiteId}/runs`).send({ base_url: url, concurrency: 2, request_timeout_ms: 60_000 }).expect(202);
      await waitFor(() => sockets.length >= 2, 'requests in flight');
      const cancelled = await request(http).post(`/tasks/${started.body.task_id}/cancel`);
      expect([200, 202]).toContain(cancelled.status);
      const task = await waitForTask(http, started.body.task_id, undefined, 5000);
      expect(task.status).toBe('cancelled');
      await waitFor(() => sockets.every((s) => s.destroyed), 'the in-flight requests to be aborted', 5000);
      const run = (await request(http).get(`/test-runs/${started.body.test_run_id}`).expect(200)).body;
      expect(run.status).toBe('cancelled');
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('answers 400 for bad run input, 404 for unknown ids, 409 for a report of an unfinished run', async () => {
    expect((await request(http).post(`/test-suites/${suiteId}/runs`).send({}).expect(400)).body.message).toMatch(/base_url must be a string/);
    expect((await request(http).post(`/test-suites/${suiteId}/runs`).send({ base_url: conforming.url, concurrency: 0 }).expect(400)).body.message).toBe('concurrency must be at least 1');
    expect((await request(http).post(`/test-suites/${suiteId}/runs`).send({ base_url: 'ftp://x' }).expect(400)).body.message).toMatch(/^base_url refused/);
    expect((await request(http).post(`/test-suites/${suiteId}/runs`).send({ base_url: conforming.url, headers: { 'bad header': 'x' } }).expect(400)).body.message).toMatch(/not a valid header name/);
    const unknown = '019abf4e-8a3c-7d21-9a51-5e0c7d7b1f00';
    await request(http).get(`/test-suites/${unknown}`).expect(404);
    await request(http).get(`/test-runs/${unknown}`).expect(404);
    await request(http).get(`/reports/${unknown}`).expect(404);
    await request(http).get(`/pipelines/${unknown}`).expect(404);
    await request(http).post(`/test-suites/${unknown}/runs`).send({ base_url: conforming.url }).expect(404);
    const queued = await request(http).post(`/test-suites/${suiteId}/runs`).send({ base_url: conforming.url }).expect(202);
    // Right after submission the run cannot be complete yet.
    const early = await request(http).post(`/test-runs/${queued.body.test_run_id}/reports`).send({});
    if (early.status === 409) expect(early.body.message).toMatch(/a report needs a completed run/);
    else expect(early.status).toBe(202);
    await completedTask(http, queued.body.task_id);
  });
});
