import { AppError } from '../common/errors/app-error';
import { DependencyTimeoutError } from '../common/errors/dependency.errors';
import { RetryDeadlineReachedError } from '../resilience/retry.policy';
import { MarketDataThrottledError, MarketDataTimeoutError, MarketDataUnavailableError } from './market-data.errors';
import type { MarketDataSource } from '../ohlc/candle.model';

/** Label values of `market_data_requests_total{provider,outcome}`. */
export type ProviderOutcome = 'ok' | 'error' | 'throttled' | 'quota_exhausted' | 'not_found';
export const PROVIDER_OUTCOMES: readonly ProviderOutcome[] = ['ok', 'error', 'throttled', 'quota_exhausted', 'not_found'];

/** Why one provider could not answer this fetch. */
export interface ProviderFailure {
  readonly provider: MarketDataSource;
  readonly outcome: Exclude<ProviderOutcome, 'ok' | 'not_found'>;
  /** A real hint of when the provider takes calls again (Retry-After, quota reset, breaker cool-down). */
  readonly retryAfterSeconds?: number;
  readonly error?: unknown;
}

/** Retry-After when no provider gave a hint of its own. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * The error for "every enabled provider failed": 504 DEPENDENCY_TIMEOUT when the request's
 * deadline ran out or every provider timed out; 429 THROTTLED when each of them is only
 * throttled (quota used up or 429); else 503. Retry-After is the earliest known moment one of
 * them takes calls again.
 */
export function noProviderAnswered(failures: readonly ProviderFailure[], deadlinePassed = false): AppError {
  const waits = failures.flatMap((f) => (f.retryAfterSeconds === undefined ? [] : [Math.max(1, Math.ceil(f.retryAfterSeconds))]));
  const retryAfter = waits.length > 0 ? Math.min(...waits) : DEFAULT_RETRY_AFTER_SECONDS;
  const cause = failures.at(-1)?.error;
  const timedOutOnly = failures.length > 0 && failures.every((f) => isProviderTimeout(f.error));
  if (deadlinePassed || timedOutOnly) return new MarketDataTimeoutError(retryAfter, cause);
  const throttledOnly = failures.length > 0 && failures.every((f) => f.outcome === 'throttled' || f.outcome === 'quota_exhausted');
  return throttledOnly ? new MarketDataThrottledError(retryAfter, cause) : new MarketDataUnavailableError(retryAfter, cause);
}

/**
 * A provider that did not answer in time. Not when retries of failing calls merely stopped
 * because the next backoff would end past the deadline: that provider did answer, with errors.
 */
function isProviderTimeout(error: unknown): boolean {
  return error instanceof DependencyTimeoutError && !(error.cause instanceof RetryDeadlineReachedError);
}

/**
 * The wait an error tells us about. A timeout's Retry-After of 1 s is a guess, not a hint from
 * the provider, so it does not shorten the answer.
 */
export function retryHintOf(error: unknown): number | undefined {
  if (error instanceof DependencyTimeoutError || !(error instanceof AppError)) return undefined;
  return error.retryAfterSeconds;
}

/** The provider's HTTP status: on the error, or on the one the resilience layer wrapped. */
export function statusOf(error: unknown): number | undefined {
  const shape = error as { status?: unknown; cause?: { status?: unknown } } | null;
  const status = shape?.status ?? shape?.cause?.status;
  return typeof status === 'number' ? status : undefined;
}

export function errorNameOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
