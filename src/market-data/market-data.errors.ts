import { AppError } from '../common/errors/app-error';
import { DependencyThrottledError, DependencyTimeoutError, DependencyUnavailableError } from '../common/errors/dependency.errors';

/** The primary market-data provider does not know the symbol (HTTP 404 `TICKER_NOT_FOUND`). */
export class TickerNotFoundError extends AppError {
  readonly code = 'TICKER_NOT_FOUND';

  constructor(readonly symbol: string) {
    super(`No market data provider knows the ticker ${symbol}`, { details: { symbol } });
  }
}

/**
 * No enabled provider could answer (outage, timeout, open breaker, other failure), or none is
 * configured. A cache can still serve a stale copy when it sees this error.
 */
export class MarketDataUnavailableError extends DependencyUnavailableError {
  constructor(retryAfterSeconds: number, cause?: unknown) {
    super('market-data', retryAfterSeconds, cause);
  }
}

/**
 * Every enabled provider was throttled: its quota is used up or it answered 429 and is being left
 * alone until its Retry-After. `retryAfterSeconds` is the earliest moment one of them takes calls.
 */
export class MarketDataThrottledError extends DependencyThrottledError {
  constructor(retryAfterSeconds: number, cause?: unknown) {
    super('market-data', retryAfterSeconds, cause);
  }
}

/**
 * No provider answered before the request's deadline (every one timed out, or the deadline ran
 * out while failing over): 504 `DEPENDENCY_TIMEOUT`, not an outage of the providers.
 */
export class MarketDataTimeoutError extends DependencyTimeoutError {
  constructor(retryAfterSeconds: number, cause?: unknown) {
    super('market-data', retryAfterSeconds, cause);
  }
}

export type MarketDataOutageError = MarketDataUnavailableError | MarketDataThrottledError | MarketDataTimeoutError;

/** True for the "no provider could answer" errors, i.e. when a stale cached copy may be served. */
export function isMarketDataOutage(error: unknown): error is MarketDataOutageError {
  return error instanceof MarketDataUnavailableError || error instanceof MarketDataThrottledError || error instanceof MarketDataTimeoutError;
}

