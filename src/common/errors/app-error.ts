/** Every error code a client can receive; the global filter maps each one to an HTTP status. */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'MALFORMED_JSON'
  | 'INVALID_TICKER'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'TICKER_NOT_FOUND'
  | 'CONFIG_LIMIT_REACHED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'THROTTLED'
  | 'RATE_LIMITED'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'DEPENDENCY_TIMEOUT'
  | 'INTERNAL';

export interface AppErrorOptions {
  readonly details?: Record<string, unknown>;
  /** Whole seconds a client should wait before trying again (429, 503, 504). */
  readonly retryAfterSeconds?: number;
  readonly cause?: unknown;
}

/**
 * Base of every domain error. Its message is written for clients, so it must never carry SDK
 * text, stack frames or user content; put the technical story in `cause` (logged server-side).
 */
export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly retryAfterSeconds?: number;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
