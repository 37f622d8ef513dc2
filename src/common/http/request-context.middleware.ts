import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Settings } from '../../config/settings';
import { RequestContexts } from './request-context';
import { requestIdFor } from './request-id';

/** Gives every request its id (shared with the logger) and its deadline for outbound calls. */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  constructor(private readonly settings: Settings) {}

  use(req: Request & { id?: unknown }, res: Response, next: NextFunction): void {
    const requestId = typeof req.id === 'string' ? req.id : requestIdFor(req);
    req.id = requestId;
    res.setHeader('X-Request-ID', requestId);
    const budgetMs = this.settings.requestDeadlineMs;
    RequestContexts.run(
      { requestId, deadline: AbortSignal.timeout(budgetMs), deadlineAt: Date.now() + budgetMs },
      next,
    );
  }
}
