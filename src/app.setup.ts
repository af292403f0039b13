import { Logger, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { EnvironmentVariables } from './config/environment-variables';


const OPERATIONS_PATHS = /^\/(health|metrics)(\/|$|\?)/;

/**
 * SIGTERM / SIGINT: close the application (the dispatcher stops claiming, lets
 * running tasks finish within TASK_SHUTDOWN_GRACE_SECONDS and hands the rest
 * back), then exit 0. A second signal exits at once with 1. (Nest's
 * `enableShutdownHooks` re-raises the signal after closing, so the process would
 * end "killed by SIGTERM" instead of exiting 0.)
 */
export function installShutdownHandlers(app: { close(): Promise<void> }): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    logger.log(`${signal} received: draining`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`Shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * Everything main.ts does to the application besides listening, shared with the
 * e2e tests so that they exercise the same pipes, filters and documentation.
 * With `API_ENABLED=false` (worker-only process) every route but /health… and
 * /metrics answers 404.
 */
export function configureApp(app: NestExpressApplication): void {
  const env = app.get(EnvironmentVariables);
  app.disable('x-powered-by');
  if (!env.API_ENABLED) {
    app.use((req: { url: string }, res: { status: (c: number) => { json: (b: unknown) => void } }, next: () => void) => {
      if (OPERATIONS_PATHS.test(req.url)) return next();
      res.status(404).json({ statusCode: 404, error: 'Not Found', message: 'This is a worker-only process (API_ENABLED=false): only /health and /metrics are served.' });
    });
  }
  // JSON escaping makes a document's text somewhat longer; the document size limit itself is
  // checked on the content (413 beyond DOCUMENT_MAX_BYTES).
  app.useBodyParser('json', { limit: env.DOCUMENT_MAX_BYTES * 2 + 64 * 1024 });
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      stopAtFirstError: false,
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  const config = new DocumentBuilder()
    .setTitle('Async Task System')
    .setDescription(
      'A durable task system (PostgreSQL or SQLite) and an API-description pipeline on top of it: ' +
        'documents are analysed, test suites generated and run against live services, and reports built — each step a task.',
    )
    .setVersion('0.1.0')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
