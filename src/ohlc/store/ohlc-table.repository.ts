import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { AppError, DependencyUnavailableError } from '../../common/errors';
import { type CircuitName, dependencyOf } from '../../config/settings';
import { ExecuteOptions, ResilienceService } from '../../resilience/resilience.service';

/** The breaker (and retry budget) of the OHLC cache table: the one place that names it. */
export const OHLC_CACHE_CIRCUIT: CircuitName = 'dynamodb_cache';
/** What clients are told failed (`details.dependency`): DynamoDB, whichever circuit refused. */
export const OHLC_CACHE_DEPENDENCY = dependencyOf(OHLC_CACHE_CIRCUIT);

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
    return await resilience.execute(OHLC_CACHE_CIRCUIT, operation, options);
  } catch (error) {
    throw translateOhlcTableError(error);
  }
}

export function translateOhlcTableError(error: unknown): unknown {
  if (error instanceof AppError || error instanceof ConditionalCheckFailedException) return error;
  return new DependencyUnavailableError(OHLC_CACHE_DEPENDENCY, 5, error);
}
