import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { EnvironmentVariables } from '../../config/environment-variables';
import { taskLogContext } from '../../modules/tasks/task-log-context';

const QUIET_PATHS = /^\/(health|metrics)(\/|$|\?)/;

/**
 * Structured logs through pino: JSON lines in production and tests, pretty in
 * development. Every request line carries a request id (the caller's
 * `x-request-id`, else a new UUID, echoed in the response); every line written
 * while a task runs carries `task_id`, `task_type` and `attempt`. Credentials in
 * headers are redacted, and bodies are never logged.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [EnvironmentVariables],
      useFactory: (env: EnvironmentVariables) => ({
        pinoHttp: {
          level: env.LOG_LEVEL,
          transport: env.NODE_ENV === 'development' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
          mixin: () => taskLogContext.getStore() ?? {},
          genReqId: (req: IncomingMessage, res: ServerResponse) => {
            const given = req.headers['x-request-id'];
            const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
            res.setHeader('x-request-id', id);
            return id;
          },
          customProps: (req: IncomingMessage & { id?: unknown }) => ({ request_id: req.id }),
          autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
          redact: {
            paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'res.headers["set-cookie"]'],
            censor: '[redacted]',
          },
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
