import { Injectable } from '@nestjs/common';
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { CircuitName, DEPENDENCIES, dependencyOf, Settings } from '../config/settings';
import { RequestContexts } from '../common/http/request-context';
import {
  DependencyThrottledError,
  DependencyTimeoutError,
  DependencyUnavailableError,
} from '../common/errors/dependency.errors';
import { MetricsRegistry } from '../observability/metrics.registry';
import { recordSpanEvent } from '../observability/tracing/span-events';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';
import { type Deadline, DeadlineAbortedError, raceWithDeadline } from './deadline';
import { classifyFailure, FailureClass } from './error-classification';
import { createRetryPolicy, MAX_ATTEMPTS, RetryDeadlineReachedError } from './retry.policy';

/** Per-call options; each field is optional so callers only name what they change. */
export interface ExecuteOptions {
  /** Overrides the request's deadline (background work such as cache write-behind or refreshes). */
  readonly deadline?: Deadline;
  /**
   * False: a throttled answer (429) is not retried but leaves at once as DependencyThrottledError,
   * for callers with an alternative (provider failover) whose Retry-After outlasts the deadline.
   */
  readonly retryThrottled?: boolean;
}

/** Retry-After when the dependency gave no hint of its own. */
const THROTTLED_RETRY_AFTER_SECONDS = 2;
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * The one way to call DynamoDB, S3 or a market-data provider, named by the circuit it belongs to
 * (`dynamodb` for the system of record, `dynamodb_cache` for the OHLC cache layer, …).
 * `operation` gets an AbortSignal bound to the caller's deadline and must pass it on
 * (`send(cmd, { abortSignal })`, `fetch`). Transient failures are retried (MAX_ATTEMPTS calls in
 * all, backoff 0.5–4 s with jitter, never past the deadline); the circuit breaker sees the logical
 * call as a whole, once, after its retries. Failures leave as:
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
    circuit: CircuitName,
    operation: (signal: AbortSignal) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const { signal, deadlineAt, background = false }: Deadline = options.deadline ?? RequestContexts.deadline(this.settings.requestDeadlineMs);
    const dependency = dependencyOf(circuit);
    const policy = createRetryPolicy((error) => this.shouldRetry(circuit, error, signal, options), deadlineAt, MAX_ATTEMPTS[circuit]);
    policy.onRetry((event) => {
      this.retries.inc({ dependency });
      recordSpanEvent('dependency.retry', { dependency, attempt: event.attempt, delay_ms: Math.round(event.delay) });
      this.logger.warn(
        {
          request_id: RequestContexts.current()?.requestId,
          dependency,
          circuit,
          attempt: event.attempt,
          error_name: 'error' in event ? errorName(event.error) : undefined,
          delay_ms: Math.round(event.delay),
        },
        'retrying dependency call',
      );
    });
    /** The last failure the dependency itself produced, for when the deadline cuts off a retry. */
    let lastFailure: unknown;
    const attempt = (): Promise<T> => {
      if (signal.aborted) throw new DeadlineAbortedError(signal.reason);
      // The budget an attempt had decides whether its overrun is the dependency's fault; a
      // background call's never is (see Deadline.background).
      return raceWithDeadline(operation(signal), signal, background ? 0 : deadlineAt - Date.now()).catch((error: unknown) => {
        if (!(error instanceof DeadlineAbortedError)) lastFailure = error;
        throw error;
      });
    };
    try {
      return await this.breakers.execute(circuit, () => policy.execute(attempt, signal));
    } catch (error) {
      throw this.translate(circuit, error, signal, lastFailure);
    }
  }

  private shouldRetry(circuit: CircuitName, error: unknown, signal: AbortSignal, options: ExecuteOptions): boolean {
    if (signal.aborted || error instanceof DeadlineAbortedError) return false;
    // Other calls opened the breaker meanwhile: answer now, with its cool-down as Retry-After.
    if (this.breakers.state(circuit) === 'OPEN') return false;
    const { kind } = classifyFailure(error);
    if (kind === 'throttled' && options.retryThrottled === false) return false;
    return kind !== 'permanent';
  }

  private translate(circuit: CircuitName, error: unknown, signal: AbortSignal, lastFailure?: unknown): unknown {
    const dependency = dependencyOf(circuit);
    if (error instanceof BrokenCircuitError) {
      recordSpanEvent('circuit_breaker.rejected', { dependency, circuit });
      return new DependencyUnavailableError(dependency, this.coolDownSeconds(circuit), error);
    }
    if (error instanceof DeadlineAbortedError || error instanceof TaskCancelledError) {
      // The deadline cut off a retry of a known outage or throttling: that failure is the answer
      // (503/429); 504 is for a dependency that never answered at all.
      const known = lastFailure === undefined ? undefined : classifyFailure(lastFailure);
      if (known !== undefined && known.kind !== 'permanent') return this.transient(circuit, known, lastFailure);
      return new DependencyTimeoutError(dependency, 1, error);
    }
    // The dependency did answer, with a transient failure, and waiting to retry would pass the
    // deadline: the client hears about that failure (429/503), not about a timeout.
    if (error instanceof RetryDeadlineReachedError) return this.translate(circuit, error.cause, signal);
    const failure = classifyFailure(error);
    if (failure.kind === 'permanent') return error;
    if (signal.aborted) return new DependencyTimeoutError(dependency, 1, error);
    return this.transient(circuit, failure, error);
  }

  private transient(circuit: CircuitName, failure: FailureClass, error: unknown): unknown {
    const dependency = dependencyOf(circuit);
    if (failure.kind === 'throttled') {
      return new DependencyThrottledError(dependency, failure.retryAfterSeconds ?? THROTTLED_RETRY_AFTER_SECONDS, error);
    }
    const retryAfter =
      this.breakers.state(circuit) === 'OPEN'
        ? this.coolDownSeconds(circuit)
        : (failure.retryAfterSeconds ?? UNAVAILABLE_RETRY_AFTER_SECONDS);
    return new DependencyUnavailableError(dependency, retryAfter, error);
  }

  private coolDownSeconds(circuit: CircuitName): number {
    return Math.max(1, Math.ceil(this.breakers.remainingCoolDownMs(circuit) / 1000));
  }
}

/** Duck-typed: errors from another realm (a VM context) are not `instanceof Error`. */
function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : typeof error;
}
