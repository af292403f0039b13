import { ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AllExceptionsFilter } from './common/all-exceptions.filter';

/** Options of `configureApp`. */
export interface AppSetupOptions {
  /** Largest accepted JSON body. @default '6mb' */
  bodyLimit?: string;
}

/**
 * Everything main.ts does to the application besides listening, shared with the
 * e2e tests so that they exercise the same pipes, filters and documentation.
 */
export function configureApp(app: NestExpressApplication, options: AppSetupOptions = {}): void {
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: options.bodyLimit ?? '6mb' });
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
