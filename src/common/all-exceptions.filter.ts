import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { InvalidTaskOptionsError, TaskNotFoundError, TaskStateConflictError, TaskStoreClosedError, UnknownTaskTypeError } from '../modules/tasks';

/** JSON body of every error response. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** Individual validation messages, when there are several. */
  details?: string[];
}

/** Domain errors that map onto an HTTP status; anything else unknown is a 500. */
const DOMAIN_STATUS: Array<[new (...args: never[]) => Error, HttpStatus]> = [
  [TaskNotFoundError, HttpStatus.NOT_FOUND],
  [TaskStateConflictError, HttpStatus.CONFLICT],
  [InvalidTaskOptionsError, HttpStatus.BAD_REQUEST],
  [UnknownTaskTypeError, HttpStatus.BAD_REQUEST],
  // A request that reached the engine while the process was shutting down: another instance can take it.
  [TaskStoreClosedError, HttpStatus.SERVICE_UNAVAILABLE],
];

/**
 * Every error leaves as JSON `{ statusCode, error, message, details? }`. Domain
 * errors carry their own message; unexpected errors are logged with their stack
 * and answered with a generic 500 (no internals leak).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  /** Extra domain errors from feature modules (registered in `configureApp`). */
  constructor(private readonly extra: Array<[new (...args: never[]) => Error, HttpStatus]> = []) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    // Terminus' health report (`{ status: 'error', info, error, details }`) is already the answer.
    if (exception instanceof HttpException && isHealthReport(exception.getResponse())) {
      if (!response.headersSent) response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const body = this.toBody(exception);
    if (exception instanceof TaskStoreClosedError) {
      // Expected while the process shuts down: no stack, it is not a fault.
      this.logger.warn(`${exception.message} (answered 503)`);
    } else if (body.statusCode >= 500) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (!response.headersSent) response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      const raw = typeof payload === 'string' ? payload : (payload as { message?: unknown }).message;
      const messages = Array.isArray(raw) ? raw.map(String) : [String(raw ?? exception.message)];
      // Body-parser errors reach us mapped to HttpExceptions; say what was wrong with the body.
      const cause = exception.cause as { type?: unknown; limit?: unknown } | undefined;
      if (cause?.type === 'entity.parse.failed') messages[0] = `Malformed JSON body: ${messages[0]}`;
      if (cause?.type === 'entity.too.large') messages[0] = `Request body is too large (limit ${String(cause.limit)} bytes)`;
      return {
        statusCode: status,
        error: STATUS_CODES[status] ?? 'Error',
        message: messages.join('; '),
        ...(messages.length > 1 ? { details: messages } : {}),
      };
    }
    for (const [type, status] of [...DOMAIN_STATUS, ...this.extra]) {
      if (exception instanceof type) {
        return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: exception.message };
      }
    }
    return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
  }
}

function isHealthReport(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && 'details' in payload && 'status' in payload;
}
