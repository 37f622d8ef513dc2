import { AppError } from '../common/errors/app-error';

/**
 * The user asked for more upstream market data than their share (OHLC_USER_UPSTREAM_PER_HOUR):
 * 429 RATE_LIMITED. Cached answers are still served to them.
 */
export class UserRateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED';

  constructor(limit: number, window: 'hour', retryAfterSeconds: number, cause?: unknown) {
    super(`You asked for more uncached market data than your share (${limit} per ${window}); try again later`, {
      details: { limit, window },
      retryAfterSeconds,
      cause,
    });
  }
}
