import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SAMPLE_API_YAML } from '../../src/demo/sample-api';
import { ensureBuilt } from '../support/ensure-built';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

/*
 * No Docker engine runs on our machines, so this suite runs the configuration
 * docker-compose.yml describes without Docker: the same services, the same
 * environment variables, the Dockerfile's CMD and HEALTHCHECK, against the
 * test PostgreSQL. Only what a container network changes is changed: the
 * database host (the `postgres` service → the test server) and the port each
 * process listens on (every container has its own 3000).
 */

const ROOT = join(__dirname, '..', '..');

interface ComposeService {
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  image?: string;
  build?: string;
}

function dockerfileInstruction(dockerfile: string, name: 'CMD' | 'HEALTHCHECK'): string[] {
  const joined = dockerfile.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').reverse().find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`Dockerfile has no ${name}`);
  return JSON.parse(line.slice(line.indexOf('['))) as string[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

(TEST_DIALECT === 'postgres' ? describe : describe.skip)('docker-compose configuration, run without Docker', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const cmd = dockerfileInstruction(dockerfile, 'CMD');
  const healthcheck = dockerfileInstruction(dockerfile, 'HEALTHCHECK');
  const processes: Array<{ name: string; port: number; child: ChildProcess; output: string[] }> = [];
  let db: TestDatabase;

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
  }, 120_000);

  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => new Promise((resolve) => (p.child.exitCode !== null ? resolve(null) : p.child.on('exit', resolve)))));
    await db?.drop();
  });

  async function startService(service: string, replica: number): Promise<{ port: number; output: string[] }> {
    const env = { ...compose.services[service].environment } as Record<string, string>;
    expect(env.DATABASE_URL).toMatch(/@postgres:5432\//);
    const port = await freePort();
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env, DATABASE_URL: db.env.DATABASE_URL, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    processes.push({ name: `${service}-${replica}`, port, child, output });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.ok).catch(() => false)), `${service}-${replica} to listen`, 60_000, 200);
    } catch (error) {
      throw new Error(`${(error as Error).message}; its output:\n${output.join('').slice(-3000)}`, { cause: error });
    }
    return { port, output };
  }

  it('describes PostgreSQL with a named volume and a healthcheck, and services that wait for it', () => {
    expect(compose.services.postgres).toMatchObject({ image: expect.stringMatching(/^postgres:/), volumes: ['pgdata:/var/lib/postgresql/data'] });
    expect(compose.services.postgres).toHaveProperty('healthcheck.test');
    expect(compose.volumes).toHaveProperty('pgdata');
    for (const name of ['api', 'worker']) expect(compose.services[name].depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(compose.services.worker.ports).toBeUndefined(); // scalable: no fixed host port
    expect(compose.services.api.ports).toEqual(['3000:3000']);
    expect(dockerfile).toMatch(/^FROM node:24-/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('starts the API and two workers with the compose environment and the Dockerfile command; each passes the HEALTHCHECK', async () => {
    const api = await startService('api', 1);
    const workers = [await startService('worker', 1), await startService('worker', 2)];

    for (const { port } of [api, ...workers]) {
      // The Dockerfile's HEALTHCHECK command, as Docker would run it inside the container.
      execFileSync(healthcheck[0], healthcheck.slice(1), { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, stdio: 'ignore', timeout: 10_000 });
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
    }

    const apiReady = (await (await fetch(`http://127.0.0.1:${api.port}/health/ready`)).json()) as { info: { dispatcher: { role?: string } } };
    expect(apiReady.info.dispatcher.role).toBe('api-only');
    expect((await fetch(`http://127.0.0.1:${api.port}/docs-json`)).status).toBe(200);

    for (const worker of workers) {
      const body = (await (await fetch(`http://127.0.0.1:${worker.port}/health/ready`)).json()) as { info: { dispatcher: { worker_id?: string } } };
      expect(body.info.dispatcher.worker_id).toEqual(expect.any(String));
      const tasks = await fetch(`http://127.0.0.1:${worker.port}/tasks`);
      expect(tasks.status).toBe(404);
      expect(((await tasks.json()) as { message: string }).message).toMatch(/worker-only/);
      expect((await fetch(`http://127.0.0.1:${worker.port}/metrics`)).status).toBe(200);
    }

    // Work submitted through the API is run by a worker.
    const post = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${api.port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    const document = (await post('/documents', { name: 'sample.yaml', content: SAMPLE_API_YAML })) as { id: string };
    const { task_id } = (await post(`/documents/${document.id}/analyze`, {})) as { task_id: string };
    const task = await waitFor(async () => {
      const t = (await (await fetch(`http://127.0.0.1:${api.port}/tasks/${task_id}`)).json()) as { status: string; attempt_history: Array<{ worker: string }> };
      return t.status === 'completed' ? t : null;
    }, 'the analysis to complete', 30_000, 100);
    const workerIds = await Promise.all(
      workers.map(async (w) => ((await (await fetch(`http://127.0.0.1:${w.port}/health/ready`)).json()) as { info: { dispatcher: { worker_id: string } } }).info.dispatcher.worker_id),
    );
    expect(workerIds).toContain(task.attempt_history[0].worker);
  }, 120_000);
});
