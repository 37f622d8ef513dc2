import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a caller's id when it is safe to echo and log, otherwise makes a new one. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Express-level middleware, mounted before anything else (Swagger's routes included), so that
 * every response carries the id; the logger and the request context reuse `req.id`.
 */
export function assignRequestId(req: IncomingMessage & { id?: unknown }, res: ServerResponse, next: () => void): void {
  if (typeof req.id !== 'string') req.id = requestIdFor(req);
  res.setHeader('X-Request-ID', req.id as string);
  next();
}
