import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { AppError, ErrorCode } from '../errors/app-error';
import { MalformedJsonError, NotFoundError, PayloadTooLargeError, ValidationFailedError } from '../errors/common.errors';
import { BODY_LIMIT_BYTES } from './body-parser.middleware';
import { requestIdOf } from './request-id';

class InternalError extends AppError {
  readonly code = 'INTERNAL';
  constructor(cause: unknown) {
    super('Something went wrong on our side; the request id identifies it in our logs', { cause });
  }
}

export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'MALFORMED_JSON':
    case 'INVALID_TICKER':
      return HttpStatus.BAD_REQUEST;
    case 'UNAUTHENTICATED':
      return HttpStatus.UNAUTHORIZED;
    case 'FORBIDDEN':
      return HttpStatus.FORBIDDEN;
    case 'NOT_FOUND':
    case 'TICKER_NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'CONFIG_LIMIT_REACHED':
    case 'IDEMPOTENCY_KEY_REUSED':
      return HttpStatus.CONFLICT;
    case 'PRECONDITION_FAILED':
      return HttpStatus.PRECONDITION_FAILED;
    case 'PAYLOAD_TOO_LARGE':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'THROTTLED':
    case 'RATE_LIMITED':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'DEPENDENCY_UNAVAILABLE':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'DEPENDENCY_TIMEOUT':
      return HttpStatus.GATEWAY_TIMEOUT;
    case 'INTERNAL':
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default: {
      const unhandled: never = code;
      throw new Error(`No HTTP status for error code ${String(unhandled)}`);
    }
  }
}

const RETRY_AFTER_STATUSES = new Set([429, 503, 504]);

/**
 * Body-parser errors carry a `type` (Nest's adapter wraps them in an HttpException whose `cause`
 * is the original); Nest's own exceptions are HttpExceptions.
 */
function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  const origin = exception instanceof HttpException && exception.cause !== undefined ? exception.cause : exception;
  const type = (origin as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return new MalformedJsonError();
  if (type === 'entity.too.large') return new PayloadTooLargeError(BODY_LIMIT_BYTES);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return new NotFoundError('No route or resource matches this request');
    if (status === 413) return new PayloadTooLargeError(BODY_LIMIT_BYTES);
    if (status >= 400 && status < 500) {
      const message = typeof type === 'string' ? `Unsupported request body (${type})` : exception.message;
      return new ValidationFailedError([{ field: typeof type === 'string' ? 'body' : 'request', message }]);
    }
  }
  return new InternalError(exception);
}

/** The one place where any error becomes the API.md envelope. */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  constructor(@InjectPinoLogger(AppExceptionFilter.name) private readonly logger: PinoLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request & { id?: string }>();
    const res = http.getResponse<Response>();
    const error = toAppError(exception);
    const status = httpStatusFor(error.code);
    const requestId = requestIdOf(req);

    if (error.code === 'INTERNAL') {
      this.logger.error({ err: exception }, 'unhandled error');
    } else if (status >= 500 || status === 429) {
      this.logger.warn({ code: error.code, details: error.details, cause: describeCause(error.cause) }, error.message);
    }

    if (res.headersSent) {
      res.end();
      return;
    }
    res.setHeader('X-Request-ID', requestId);
    if (RETRY_AFTER_STATUSES.has(status)) {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1))));
    }
    res.status(status).json({
      status,
      code: error.code,
      message: error.message,
      request_id: requestId,
      ...(error.details === undefined ? {} : { details: error.details }),
    });
  }
}

function describeCause(cause: unknown): string | undefined {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return cause === undefined ? undefined : String(cause);
}
