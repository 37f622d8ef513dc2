import {
  ExponentialBackoff,
  halfJitterGenerator,
  handleWhen,
  IBackoff,
  IBackoffFactory,
  IRetryBackoffContext,
  retry,
  RetryPolicy,
} from 'cockatiel';
import type { CircuitName } from '../config/settings';

/** The service's only retry layer: the SDK clients are built with `maxAttempts: 1`. */
export const RETRY_POLICY = {
  /** Total calls for one operation, the first one included (see MAX_ATTEMPTS for exceptions). */
  maxAttempts: 3,
  initialDelayMs: 500,
  maxDelayMs: 4000,
} as const;

/**
 * Calls per logical call, by circuit. The system of record gets one more: its three waits (1.75–3.5 s
 * in all) outlast a DynamoDB blip of a second or two, so a create rides it out instead of answering
 * 503, and still end well inside the default 5 s deadline. The cache layer gets one retry only:
 * the providers can answer instead, and a request should not wait seconds for a cache.
 */
export const MAX_ATTEMPTS: Readonly<Record<CircuitName, number>> = {
  dynamodb: 4,
  dynamodb_cache: 2,
  s3: RETRY_POLICY.maxAttempts,
  tiingo: RETRY_POLICY.maxAttempts,
  finnhub: RETRY_POLICY.maxAttempts,
};

/**
 * Equal ("half") jitter: retry n waits between half and all of min(4 s, 0.5 s × 2^(n-1)). It never
 * retries immediately (a throttled table needs the pause) and spreads callers that failed together.
 */
export const RETRY_BACKOFF = new ExponentialBackoff({
  initialDelay: RETRY_POLICY.initialDelayMs,
  maxDelay: RETRY_POLICY.maxDelayMs,
  generator: halfJitterGenerator,
});

/** Waiting for the next attempt would end after the caller's deadline; `cause` is the last failure. */
export class RetryDeadlineReachedError extends Error {
  constructor(cause: unknown) {
    super('The next retry would start after the deadline', { cause });
    this.name = 'RetryDeadlineReachedError';
  }
}

type RetryContext = IRetryBackoffContext<unknown>;

/**
 * Wraps a backoff so that a wait which would end past `deadlineAt` is never started: cockatiel
 * rejects `execute` with what `next` throws, so the retry loop stops right there.
 */
export class DeadlineBoundedBackoff implements IBackoffFactory<RetryContext> {
  constructor(
    private readonly inner: IBackoffFactory<RetryContext>,
    private readonly deadlineAt: number,
  ) {}

  next(context: RetryContext): IBackoff<RetryContext> {
    return this.bounded(this.inner.next(context), context);
  }

  private bounded(backoff: IBackoff<RetryContext>, context: RetryContext): IBackoff<RetryContext> {
    if (Date.now() + backoff.duration >= this.deadlineAt) {
      throw new RetryDeadlineReachedError('error' in context.result ? context.result.error : undefined);
    }
    return { duration: backoff.duration, next: (nextContext) => this.bounded(backoff.next(nextContext), nextContext) };
  }
}

/** A retry policy for one call: it carries that call's deadline, so it is cheap and short-lived. */
export function createRetryPolicy(
  shouldRetry: (error: unknown) => boolean,
  deadlineAt: number,
  maxAttempts: number = RETRY_POLICY.maxAttempts,
): RetryPolicy {
  return retry(handleWhen(shouldRetry), {
    // cockatiel counts retries, not calls.
    maxAttempts: maxAttempts - 1,
    backoff: new DeadlineBoundedBackoff(RETRY_BACKOFF, deadlineAt),
  });
}
