import { Injectable } from '@nestjs/common';
import { BrokenCircuitError } from 'cockatiel';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { DEPENDENCIES, DependencyName, Settings } from '../config/settings';
import { RequestContexts } from '../common/http/request-context';
import {
  DependencyThrottledError,
  DependencyTimeoutError,
  DependencyUnavailableError,
} from '../common/errors/dependency.errors';
import { MetricsRegistry } from '../observability/metrics.registry';
import { recordSpanEvent } from '../observability/tracing/span-events';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';
import { DeadlineAbortedError, raceWithDeadline } from './deadline';
import { classifyFailure } from './error-classification';
import { createRetryPolicy, RetryDeadlineReachedError } from './retry.policy';

export interface ExecuteOptions {
  /** Overrides the request's deadline (background work such as cache write-behind or refreshes). */
  readonly deadline?: { readonly signal: AbortSignal; readonly deadlineAt: number };
}

/** Retry-After when the dependency gave no hint of its own. */
const THROTTLED_RETRY_AFTER_SECONDS = 2;
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * The one way to call DynamoDB, S3 or a market-data provider. `operation` gets an AbortSignal
 * bound to the caller's deadline and must pass it on (`send(cmd, { abortSignal })`, `fetch`).
 * Transient failures are retried (at most 3 calls in all, backoff 0.5–4 s with jitter, never past
 * the deadline), each call goes through the dependency's circuit breaker, and failures leave as:
 * - DependencyThrottledError (429) when throttling outlasted the retries;
 * - DependencyUnavailableError (503) for outages, lost transaction races and open breakers;
 * - DependencyTimeoutError (504) when the deadline passed;
 * - the original error, unchanged, when it is permanent (ConditionalCheckFailedException,
 *   ValidationException, 4xx, domain errors), for the repository to translate.
 */
@Injectable()
export class ResilienceService {
  private readonly retries: Counter<'dependency'>;

  constructor(
    private readonly settings: Settings,
    private readonly breakers: CircuitBreakerRegistry,
    metrics: MetricsRegistry,
    @InjectPinoLogger(ResilienceService.name) private readonly logger: PinoLogger,
  ) {
    this.retries = metrics.counter('dependency_retries_total', 'Retries of failed calls per dependency', ['dependency']);
    for (const dependency of DEPENDENCIES) this.retries.inc({ dependency }, 0);
  }

  async execute<T>(
    dependency: DependencyName,
    operation: (signal: AbortSignal) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const { signal, deadlineAt } = options.deadline ?? RequestContexts.deadline(this.settings.requestDeadlineMs);
    const policy = createRetryPolicy((error) => this.shouldRetry(dependency, error, signal), deadlineAt);
    policy.onRetry((event) => {
      this.retries.inc({ dependency });
      recordSpanEvent('dependency.retry', { dependency, attempt: event.attempt, delay_ms: Math.round(event.delay) });
      this.logger.warn(
        {
          request_id: RequestContexts.current()?.requestId,
          dependency,
          attempt: event.attempt,
          error_name: 'error' in event ? errorName(event.error) : undefined,
          delay_ms: Math.round(event.delay),
        },
        'retrying dependency call',
      );
    });
    try {
      return await policy.execute(() => {
        if (signal.aborted) throw new DeadlineAbortedError(signal.reason);
        return this.breakers.execute(dependency, () => raceWithDeadline(operation(signal), signal));
      }, signal);
    } catch (error) {
      throw this.translate(dependency, error, signal);
    }
  }

  private shouldRetry(dependency: DependencyName, error: unknown, signal: AbortSignal): boolean {
    if (signal.aborted || error instanceof DeadlineAbortedError || error instanceof BrokenCircuitError) return false;
    // The failure that just opened the breaker must not be retried into a BrokenCircuitError.
    if (this.breakers.state(dependency) !== 'CLOSED') return false;
    return classifyFailure(error).kind !== 'permanent';
  }

  private translate(dependency: DependencyName, error: unknown, signal: AbortSignal): unknown {
    if (error instanceof BrokenCircuitError) {
      recordSpanEvent('circuit_breaker.rejected', { dependency });
      return new DependencyUnavailableError(dependency, this.coolDownSeconds(dependency), error);
    }
    if (error instanceof DeadlineAbortedError) return new DependencyTimeoutError(dependency, 1, error);
    // The dependency did answer, with a transient failure, and waiting to retry would pass the
    // deadline: the client hears about that failure (429/503), not about a timeout.
    if (error instanceof RetryDeadlineReachedError) return this.translate(dependency, error.cause, signal);
    const failure = classifyFailure(error);
    if (failure.kind === 'permanent') return error;
    if (signal.aborted) return new DependencyTimeoutError(dependency, 1, error);
    if (failure.kind === 'throttled') {
      return new DependencyThrottledError(dependency, failure.retryAfterSeconds ?? THROTTLED_RETRY_AFTER_SECONDS, error);
    }
    const retryAfter =
      this.breakers.state(dependency) === 'OPEN'
        ? this.coolDownSeconds(dependency)
        : (failure.retryAfterSeconds ?? UNAVAILABLE_RETRY_AFTER_SECONDS);
    return new DependencyUnavailableError(dependency, retryAfter, error);
  }

  private coolDownSeconds(dependency: DependencyName): number {
    return Math.max(1, Math.ceil(this.breakers.remainingCoolDownMs(dependency) / 1000));
  }
}

/** Duck-typed: errors from another realm (a VM context) are not `instanceof Error`. */
function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : typeof error;
}
