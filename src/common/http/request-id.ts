import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type RequestWithId = IncomingMessage & { id?: unknown };

/**
 * The request's id: a caller's `X-Request-ID` when it is safe to echo and log, otherwise a new
 * UUID; decided once and kept on `req.id`, where the logger, the request context and the error
 * filter all read it.
 */
export function requestIdOf(req: RequestWithId): string {
  if (typeof req.id !== 'string') {
    const incoming = req.headers[REQUEST_ID_HEADER];
    req.id = typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  }
  return req.id as string;
}

/** Express-level middleware, mounted before anything else (Swagger's routes included). */
export function assignRequestId(req: RequestWithId, res: ServerResponse, next: () => void): void {
  res.setHeader('X-Request-ID', requestIdOf(req));
  next();
}
