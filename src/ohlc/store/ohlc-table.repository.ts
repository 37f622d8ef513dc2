import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { AppError, DependencyUnavailableError } from '../../common/errors';
import type { DependencyName } from '../../config/settings';
import { ExecuteOptions, ResilienceService } from '../../resilience/resilience.service';

/** The breaker (and retry budget) of the OHLC cache table: the one place that names it. */
export const OHLC_CACHE_DEPENDENCY: DependencyName = 'dynamodb';

/**
 * One call to OHLC_CACHE_TABLE through the resilience layer. A failed condition leaves as is
 * (the caller answers it); other permanent SDK errors (validation, missing table) leave as a
 * domain error, never as SDK text.
 */
export async function callOhlcTable<T>(
  resilience: ResilienceService,
  operation: (signal: AbortSignal) => Promise<T>,
  options?: ExecuteOptions,
): Promise<T> {
  try {
    return await resilience.execute(OHLC_CACHE_DEPENDENCY, operation, options);
  } catch (error) {
    throw translateOhlcTableError(error);
  }
}

export function translateOhlcTableError(error: unknown): unknown {
  if (error instanceof AppError || error instanceof ConditionalCheckFailedException) return error;
  return new DependencyUnavailableError(OHLC_CACHE_DEPENDENCY, 5, error);
}
