/*
 * HTTP: autocannon against the service itself (an API-only process, so that the analysis tasks it
 * accepts are only queued), beside a bare NestJS route on the same server for scale.
 * Arguments (JSON): { seconds, db: { url? | sqlitePath? } }.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import autocannon from 'autocannon';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { SAMPLE_API_YAML } from '../../src/demo/sample-api';
import { dbEnv } from '../engine/bench-engine';
import { args, report } from '../lib/measure';

@Controller('bench')
class PingController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [PingController] })
class PingModule {}

const a = args<{ seconds: number; db: { url?: string; sqlitePath?: string } }>();

async function hammer(url: string, method: 'GET' | 'POST', body?: string) {
  const result = await autocannon({
    url,
    method,
    connections: 10,
    duration: a.seconds,
    headers: body ? { 'content-type': 'application/json' } : {},
    body,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${method} ${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { requests_per_s: Math.round(result.requests.average), p99_ms: result.latency.p99, requests: result.requests.total };
}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ NODE_ENV: 'production', LOG_LEVEL: 'error', ...dbEnv(a.db), TASK_WORKER_ENABLED: 'false' }, [PingModule]),
    { bodyParser: false, logger: ['error'] },
  );
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const post = async (path: string, body: unknown) => (await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
  const document = (await post('/documents', { name: 'sample.yaml', content: SAMPLE_API_YAML })) as { id: string };
  const task = (await post(`/documents/${document.id}/analyze`, {})) as { task_id: string };
  const endpoints = {
    'GET /bench/ping (bare NestJS route)': await hammer(`${base}/bench/ping`, 'GET'),
    'GET /tasks/:id': await hammer(`${base}/tasks/${task.task_id}`, 'GET'),
    'POST /documents/:id/analyze (submit only)': await hammer(`${base}/documents/${document.id}/analyze`, 'POST', '{}'),
  };
  report({ endpoints, requests_per_s: endpoints['POST /documents/:id/analyze (submit only)'].requests_per_s });
  await app.close();
}

// A failure inside autocannon's request machinery once surfaced as a bare "<anonymous_script>:0": print all of it.
process.on('uncaughtException', (error) => {
  console.error('uncaught exception:', error instanceof Error ? error.stack : error);
  process.exit(1);
});

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
