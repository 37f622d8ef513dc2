import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Settings } from '../../config/settings';
import { RequestContexts } from './request-context';
import { requestIdOf } from './request-id';

/**
 * Gives every request its context: its id (assigned by assignRequestId) and its deadline for
 * outbound calls. Registered after the body parser, so the deadline measures the dependencies
 * and the service, not how long the client took to send its body.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  constructor(private readonly settings: Settings) {}

  use(req: Request, _res: Response, next: NextFunction): void {
    const requestId = requestIdOf(req);
    const budgetMs = this.settings.requestDeadlineMs;
    RequestContexts.run(
      { requestId, deadline: AbortSignal.timeout(budgetMs), deadlineAt: Date.now() + budgetMs },
      next,
    );
  }
}
