import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types';
import type { OpenApiAnalysis, TextAnalysis } from '../../src/modules/documents/analysis/analysis-result.interface';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';
import { waitForTask } from '../support/http-helpers';

const EXAMPLES = join(__dirname, '..', '..', 'node_modules', '@readme', 'oas-examples');
const example = (path: string): string => readFileSync(join(EXAMPLES, path), 'utf8');

/** Paths and operations counted straight from the parsed document (independently of the analyser). */
function countOperations(doc: { paths: Record<string, Record<string, unknown>> }): { paths: number; operations: number } {
  const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
  const paths = Object.keys(doc.paths);
  return { paths: paths.length, operations: paths.reduce((n, p) => n + Object.keys(doc.paths[p]).filter((m) => methods.includes(m)).length, 0) };
}

describe(`Documents and their analysis on ${TEST_DIALECT}`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ env: { ...db.env, DOCUMENT_MAX_BYTES: '1000000' }, listen: true });
    http = t.app.getHttpServer() as App;
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  async function analyse(name: string, content: string, format?: string) {
    const created = await request(http).post('/documents').send({ name, content, ...(format ? { format } : {}) }).expect(201);
    const submitted = await request(http).post(`/documents/${created.body.id}/analyze`).send({}).expect(202);
    return { documentId: created.body.id as string, task: await waitForTask(http, submitted.body.task_id, undefined, 60_000), format: created.body.format as string };
  }

  describe('real public descriptions', () => {
    it.each([
      ['Swagger Petstore 2.0 (JSON)', '2.0/json/petstore.json', 'Swagger', '2.0', 14, 20],
      ['Swagger Petstore 3.0 (YAML)', '3.0/yaml/petstore.yaml', 'OpenAPI', '3.0.0', 14, 20],
      ['Swagger Petstore 3.1 (JSON)', '3.1/json/petstore.json', 'OpenAPI', '3.1.0', 14, 20],
    ])('%s: exact path and operation counts', async (_name, file, specification, version, paths, operations) => {
      const { task, format } = await analyse(file, example(file));
      expect(format).toBe('openapi');
      expect(task.status).toBe('completed');
      const result = task.result_data as OpenApiAnalysis;
      expect(result).toMatchObject({ format: 'openapi', specification, spec_version: version, title: 'Swagger Petstore', summary: { path_count: paths, operation_count: operations } });
      expect(result.operations).toHaveLength(operations);
      expect(result.operations).toContainEqual(expect.objectContaining({ method: 'GET', path: '/pet/{petId}', operation_id: 'getPetById', response_codes: expect.arrayContaining(['200', '404']) }));
      expect(result.security.schemes.map((s) => s.name).sort()).toEqual(['api_key', 'petstore_auth']);
      expect(result.lint.ruleset).toBe('spectral:oas');
      expect(result.lint.findings.length).toBeGreaterThan(0);
      expect(result.lint.findings[0]).toEqual({ code: expect.any(String), severity: expect.stringMatching(/^(error|warn|info|hint)$/), message: expect.any(String), path: expect.stringMatching(/^\$/) });
      expect(result.coverage.operations_with_4xx_pct).toEqual(expect.any(Number));
      expect(result.complexity.max_parameters_per_operation).toBeGreaterThan(0);
    });

    it('analyses a large real-world description shipped by an npm package (STAPI, the Star Trek API)', async () => {
      const content = example('3.0/json/star-trek.json');
      const counted = countOperations(JSON.parse(content));
      const { task } = await analyse('star-trek.json', content);
      expect(task.status).toBe('completed');
      const result = task.result_data as OpenApiAnalysis;
      expect(result.summary).toMatchObject({ path_count: counted.paths, operation_count: counted.operations });
      expect(counted).toEqual({ paths: 80, operations: 120 });
      expect(result.summary.schema_count).toBeGreaterThan(100);
      expect(result.testability.ready_operations).toBeLessThanOrEqual(120);
    });
  });

  describe('documents that must not be trusted', () => {
    it('fails a malformed document with a clear error_info and no retry', async () => {
      const broken = await analyse('broken.yaml', 'openapi: 3.0.0\ninfo:\n  title: x\n  version: "1"\npaths:\n  /a:\n    get: [unclosed\n');
      expect(broken.task.status).toBe('failed');
      expect(broken.task.attempt).toBe(1);
      expect(broken.task.error_info).toMatchObject({ name: 'InvalidDocumentError', retryable: false });
      expect(broken.task.error_info!.message).toMatch(/^The document is not valid YAML/);
      expect(broken.task.error_info!.message).toMatch(/line \d+, column \d+/);

      const invalid = await analyse('invalid.json', JSON.stringify({ openapi: '3.0.0', info: { title: 'no version' }, paths: {} }));
      expect(invalid.task.status).toBe('failed');
      expect(invalid.task.error_info!.message).toMatch(/^The OpenAPI 3.0.0 description is invalid/);
      expect(invalid.task.error_info!.message).toMatch(/version/);
      const analysis = await request(http).get(`/documents/${invalid.documentId}/analysis`).expect(404);
      expect(analysis.body.message).toMatch(/latest analysis task .* is failed/);
    });

    it('refuses a YAML alias bomb', async () => {
      const bomb = ['openapi: 3.0.0', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f'], ['h', 'g'], ['i', 'h']]) {
        bomb.push(`${name}: &${name} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`);
      }
      const { task } = await analyse('bomb.yaml', `${bomb.join('\n')}\n`, 'openapi');
      expect(task.status).toBe('failed');
      expect(task.error_info!.message).toMatch(/aliases expand too much/);
      expect(task.attempt).toBe(1);
    });

    it('does not follow an external $ref to a local file or to a URL', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ref-'));
      const marker = `LOCAL-FILE-MARKER-${Date.now()}`;
      const file = join(dir, 'secret.yaml');
      writeFileSync(file, `type: object\ndescription: ${marker}\n`);
      let requests = 0;
      const listener: Server = createServer((_req, res) => {
        requests++;
        res.end('{"type":"object","description":"FROM-THE-NETWORK"}');
      });
      listener.on('connection', () => requests++);
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(listener.address() as { port: number }).port}/schema.json`;
      try {
        const doc = {
          openapi: '3.0.3',
          info: { title: 'Refs', version: '1' },
          paths: {
            '/a': { get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: file } } } } } } },
            '/b': { get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: url } } } } } } },
          },
        };
        const { task } = await analyse('refs.json', JSON.stringify(doc));
        expect(task.status).toBe('completed');
        const result = task.result_data as OpenApiAnalysis;
        expect(result.external_refs.map((r) => r.ref).sort()).toEqual([file, url].sort());
        expect(result.lint.findings.filter((f) => f.code === 'external-ref-not-followed')).toHaveLength(2);
        expect(JSON.stringify(task)).not.toContain(marker);
        expect(JSON.stringify(task)).not.toContain('FROM-THE-NETWORK');
        expect(requests).toBe(0);
      } finally {
        listener.closeAllConnections();
        await new Promise((resolve) => listener.close(resolve));
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('analyses Markdown requirements: structure and MUST/SHALL/SHOULD statements', async () => {
    const markdown = [
      '# Orders API requirements',
      '',
      'The service keeps orders for customers.',
      '',
      '## Creating orders',
      '',
      'Clients MUST send an idempotency key with POST /orders. The total shall be computed by the server.',
      '- Orders should be confirmed within 2 seconds.',
      '- Nothing else here.',
      '',
      '```',
      'the service must ignore this code line',
      '```',
      '',
      'Payments',
      '--------',
      '',
      'Refunds must not exceed the amount paid. GET /orders/{id} returns one order.',
    ].join('\n');
    const { task, format } = await analyse('requirements.md', markdown);
    expect(format).toBe('markdown');
    expect(task.status).toBe('completed');
    const result = task.result_data as TextAnalysis;
    expect(result.title).toBe('Orders API requirements');
    expect(result.headings.map((h) => `${h.level}:${h.text}`)).toEqual(['1:Orders API requirements', '2:Creating orders', '2:Payments']);
    expect(result.requirements.map((r) => r.keyword)).toEqual(['MUST', 'SHALL', 'SHOULD', 'MUST NOT']);
    expect(result.requirements[3]).toMatchObject({ section: 'Payments', text: 'Refunds must not exceed the amount paid.' });
    expect(result.summary).toMatchObject({ heading_count: 3, requirement_count: 4, code_block_count: 1 });
    expect(result.endpoints_mentioned.map((e) => `${e.method} ${e.path}`)).toEqual(['POST /orders', 'GET /orders/{id}']);
  });

  it('detects plain text, accepts a multipart upload, lists, reads and deletes documents', async () => {
    const text = await request(http).post('/documents').send({ name: 'notes.txt', content: 'The system shall log every request.\nIt should be fast.' }).expect(201);
    expect(text.body.format).toBe('text');
    const { task } = await analyse('notes.txt', 'The system shall log every request. It should be fast.');
    expect((task.result_data as { requirements: unknown[] }).requirements).toHaveLength(2);

    const uploaded = await request(http).post('/documents').attach('file', Buffer.from(example('3.0/yaml/petstore.yaml')), 'petstore.yaml').expect(201);
    expect(uploaded.body).toMatchObject({ name: 'petstore.yaml', format: 'openapi' });
    const named = await request(http).post('/documents').field('name', 'renamed.yaml').field('format', 'text').attach('file', Buffer.from('hello'), 'x.txt').expect(201);
    expect(named.body).toMatchObject({ name: 'renamed.yaml', format: 'text' });

    const read = await request(http).get(`/documents/${uploaded.body.id}`).expect(200);
    expect(read.body.content).toBe(example('3.0/yaml/petstore.yaml'));
    const list = await request(http).get('/documents').query({ limit: 2 }).expect(200);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.items[0]).not.toHaveProperty('content');
    expect(list.body.total).toBeGreaterThanOrEqual(3);

    await request(http).delete(`/documents/${uploaded.body.id}`).expect(204);
    await request(http).get(`/documents/${uploaded.body.id}`).expect(404);
    await request(http).delete(`/documents/${uploaded.body.id}`).expect(404);
  });

  it('validates uploads: 400 naming the field, 413 beyond the size limit', async () => {
    expect((await request(http).post('/documents').send({ content: 'x' }).expect(400)).body.message).toMatch(/name must be/);
    expect((await request(http).post('/documents').send({ name: 'x' }).expect(400)).body.message).toMatch(/content/);
    expect((await request(http).post('/documents').send({ name: 'x', content: 'y', format: 'pdf' }).expect(400)).body.message).toBe('format must be one of openapi, markdown, text');
    const big = 'a'.repeat(1_000_001);
    expect((await request(http).post('/documents').send({ name: 'big.txt', content: big }).expect(413)).body.message).toMatch(/limit is 1000000 bytes/);
    await request(http).post('/documents').attach('file', Buffer.from(big), 'big.txt').expect(413);
    expect((await request(http).post('/documents/not-a-uuid/analyze').send({}).expect(400)).body.message).toBe('id must be a UUID');
    await request(http).post('/documents/019abf4e-8a3c-7d21-9a51-5e0c7d7b1f00/analyze').send({}).expect(404);
    const doc = await request(http).post('/documents').send({ name: 'n', content: 'plain words' }).expect(201);
    expect((await request(http).post(`/documents/${doc.body.id}/analyze`).send({ priority: 3 }).expect(400)).body.message).toBe('priority must be one of 1, 5, 10, 20');
    expect((await request(http).post(`/documents/${doc.body.id}/test-suites`).send({}).expect(400)).body.message).toMatch(/needs an OpenAPI or Swagger description/);
  });

  it('documents the pipeline endpoints in /docs-json', async () => {
    const doc = (await request(http).get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /documents', 'GET /documents', 'GET /documents/{id}', 'DELETE /documents/{id}', 'POST /documents/{id}/analyze', 'GET /documents/{id}/analysis',
        'POST /documents/{id}/test-suites', 'GET /test-suites/{id}', 'POST /test-suites/{id}/runs', 'GET /test-runs/{id}',
        'POST /test-runs/{id}/reports', 'GET /reports/{id}', 'GET /reports/{id}/download', 'POST /documents/{id}/pipeline', 'GET /pipelines/{id}',
        'GET /health', 'GET /health/live', 'GET /health/ready', 'GET /metrics',
      ]),
    );
  });
});
