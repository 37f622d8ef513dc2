import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Observable, tap } from 'rxjs';
import { AppError } from '../common/errors';
import type { AuthenticatedRequest } from '../common/auth/auth.decorators';
import { MetricsRegistry } from '../observability/metrics.registry';

export type CreateOutcomeLabel = 'created' | 'limit' | 'invalid' | 'replay' | 'dependency_error' | 'error';

/** The controller marks a replay here; everything else is read from the result or the error. */
export const CREATE_OUTCOME_LOCAL = 'createOutcome';

function outcomeOf(error: unknown): CreateOutcomeLabel {
  if (!(error instanceof AppError)) return 'error';
  switch (error.code) {
    case 'CONFIG_LIMIT_REACHED':
      return 'limit';
    case 'THROTTLED':
    case 'DEPENDENCY_UNAVAILABLE':
    case 'DEPENDENCY_TIMEOUT':
      return 'dependency_error';
    case 'INTERNAL':
      return 'error';
    default:
      return 'invalid';
  }
}

/**
 * Wraps the create route, validation pipe included (pipes run inside `next.handle()`), so every
 * attempt — a rejected body too — is logged once and counted once. The request id comes from the
 * request-scoped pino logger's bindings.
 */
@Injectable()
export class CreateAttemptInterceptor implements NestInterceptor {
  private readonly attempts;

  constructor(
    metrics: MetricsRegistry,
    @InjectPinoLogger(CreateAttemptInterceptor.name) private readonly logger: PinoLogger,
  ) {
    this.attempts = metrics.counter('configurations_created_total', 'Configuration create attempts by outcome', ['outcome']);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const res = http.getResponse<Response>();
    const started = performance.now();
    const record = (outcome: CreateOutcomeLabel, error?: unknown): void => {
      this.attempts.inc({ outcome });
      const fields = {
        user_id: req.user?.sub,
        outcome,
        latency_ms: Math.round(performance.now() - started),
        ...(error instanceof AppError ? { code: error.code } : {}),
      };
      if (outcome === 'error' || outcome === 'dependency_error') this.logger.warn(fields, 'configuration create attempt');
      else this.logger.info(fields, 'configuration create attempt');
    };
    return next.handle().pipe(
      tap({
        next: () => record(res.locals[CREATE_OUTCOME_LOCAL] === 'replay' ? 'replay' : 'created'),
        error: (error: unknown) => record(outcomeOf(error), error),
      }),
    );
  }
}
