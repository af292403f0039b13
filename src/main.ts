import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { configureApp, installShutdownHandlers } from './app.setup';
import { EnvironmentVariables, InvalidConfigurationError } from './config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(process.env), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  const config = app.get(EnvironmentVariables);
  configureApp(app);
  installShutdownHandlers(app);
  await app.listen(config.PORT);
  Logger.log(`Listening on http://localhost:${config.PORT} (Swagger UI at /docs)`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  if (error instanceof InvalidConfigurationError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
