import { Injectable, NestMiddleware } from '@nestjs/common';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';

export const BODY_LIMIT_BYTES = 64 * 1024;

const parseJson = express.json({ limit: BODY_LIMIT_BYTES, strict: false });

/**
 * JSON parsing runs as Nest middleware (the adapter's own parser is disabled) so that it runs after
 * the request id is assigned and its errors reach the global filter with that id.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    parseJson(req, res, next);
  }
}
