/*
 * `npm run demo`: the whole pipeline on a sample API, on a fresh SQLite file.
 *
 * 1. starts the service (dist/main.js) as a child process, with loopback targets allowed;
 * 2. starts the sample target API (four endpoints, four of them breaking their own contract);
 * 3. uploads the target's description and runs POST /documents/:id/pipeline against it;
 * 4. follows the chain of tasks, writes the HTML report to data/demo/report.html and prints where it is.
 *
 * The service keeps running afterwards so that the report, Swagger UI and the tasks can be explored
 * (Ctrl+C stops everything); `--exit` stops right away (CI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SAMPLE_API_YAML } from './sample-api';
import { startSampleTarget } from './sample-target';

const ROOT = resolve(__dirname, '..', '..');
const DATA = join(ROOT, 'data', 'demo');
const PORT = Number(process.env.DEMO_PORT ?? 3000);
const API = `http://127.0.0.1:${PORT}`;
const exitWhenDone = process.argv.includes('--exit');

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function waitUntilReady(service: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (service.exitCode !== null) throw new Error(`the service exited with code ${service.exitCode}`);
    const ok = await fetch(`${API}/health/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the service did not become ready within 60 s');
}

interface Task {
  task_id: string;
  task_type: string;
  status: string;
  progress: number;
  result_data: Record<string, unknown> | null;
  error_info: { message: string } | null;
}

async function follow(taskId: string): Promise<Task> {
  for (;;) {
    const task = await call<Task>('GET', `/tasks/${taskId}`);
    if (['completed', 'failed', 'timeout', 'cancelled'].includes(task.status)) return task;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  const target = await startSampleTarget('broken');
  const service = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(PORT),
      SQLITE_PATH: join(DATA, 'demo.sqlite'),
      DATABASE_URL: '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      TEST_TARGET_ALLOWLIST: '127.0.0.0/8,::1,localhost',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = async (code: number) => {
    service.kill('SIGTERM');
    await target.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  try {
    console.log(`Starting the service on SQLite (${join(DATA, 'demo.sqlite')}) at ${API} …`);
    await waitUntilReady(service);
    console.log(`Sample target API at ${target.url} (it breaks its own description in four places)`);
    const document = await call<{ id: string }>('POST', '/documents', { name: 'sample-pet-store.yaml', content: SAMPLE_API_YAML });
    const pipeline = await call<{ task_id: string; pipeline_id: string }>('POST', `/documents/${document.id}/pipeline`, { base_url: target.url, concurrency: 4 });
    console.log(`Pipeline ${pipeline.pipeline_id} started:`);
    let next: string | undefined = pipeline.task_id;
    let last: Task | undefined;
    while (next) {
      last = await follow(next);
      console.log(`  ${last.task_type.padEnd(18)} ${last.status.padEnd(9)} task ${last.task_id}`);
      if (last.status !== 'completed') throw new Error(`${last.task_type} ended ${last.status}: ${last.error_info?.message ?? ''}`);
      next = last.result_data?.next_task_id as string | undefined;
    }
    const reportId = last!.result_data!.report_id as string;
    const html = await fetch(`${API}/reports/${reportId}/download?format=html`).then((r) => r.text());
    const reportPath = join(DATA, 'report.html');
    writeFileSync(reportPath, html);
    const summary = last!.result_data!.summary as { total: number; passed: number; failed: number; errored: number };
    console.log(`\nResult: ${summary.total} cases, ${summary.passed} passed, ${summary.failed} failed, ${summary.errored} errored.`);
    console.log(`HTML report: ${reportPath}`);
    console.log(`Also: ${API}/reports/${reportId}/download?format=markdown (or json, junit), ${API}/pipelines/${pipeline.pipeline_id}, ${API}/docs`);
    if (exitWhenDone) await stop(0);
    else console.log('\nThe service keeps running; Ctrl+C stops it.');
  } catch (error) {
    console.error(`Demo failed: ${(error as Error).message}`);
    await stop(1);
  }
}

void main();
