import { AppError } from '../common/errors/app-error';
import { DeadlineAbortedError } from './deadline';
import { RetryDeadlineReachedError } from './retry.policy';

/**
 * How a failed call to a dependency should be treated:
 * - `throttled`: retried; when retries run out → 429 THROTTLED; not a breaker failure (the
 *   dependency is up, we are just too fast).
 * - `contention`: a DynamoDB transaction lost a race (TransactionConflict); retried; → 503 when
 *   retries run out; not a breaker failure.
 * - `unavailable`: 5xx, network failures (DNS, refused or reset connections, TLS), socket or SDK
 *   timeouts, failed credential refreshes, any SDK error without a service status; retried;
 *   → 503; counts toward the dependency's circuit breaker.
 * - `permanent`: retrying cannot help (validation, failed conditions, auth, other 4xx, domain
 *   errors); rethrown unchanged for the caller to translate.
 */
export type FailureKind = 'throttled' | 'contention' | 'unavailable' | 'permanent';

export interface FailureClass {
  readonly kind: FailureKind;
  /** The dependency's own hint (HTTP Retry-After), in whole seconds, when it gave one. */
  readonly retryAfterSeconds?: number;
}

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
]);

const SERVER_NAMES = new Set([
  'InternalServerError',
  'InternalServerErrorException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

/**
 * Names the SDK's request handler and fetch use for timeouts and aborted sockets, and those of
 * the SDK's credential and token providers: on ECS a failed task-role refresh is an outage of the
 * credentials endpoint, not a reason to answer 500.
 */
const NETWORK_NAMES = new Set([
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'RequestTimeoutException',
  'CredentialsProviderError',
  'TokenProviderError',
  'ProviderError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EAI_FAIL',
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const PERMANENT_NAMES = new Set([
  'ValidationException',
  'ConditionalCheckFailedException',
  'AccessDenied',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'NoSuchKey',
  'NoSuchBucket',
]);

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly status?: unknown;
  readonly statusCode?: unknown;
  readonly retryAfterSeconds?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: { readonly throttling?: unknown };
  readonly CancellationReasons?: ReadonlyArray<{ readonly Code?: unknown }>;
  readonly cause?: unknown;
}

/**
 * The one place that decides whether an error from DynamoDB, S3 or a market-data provider is
 * worth retrying. Understands AWS SDK v3 errors (`name`, `$metadata.httpStatusCode`,
 * `$retryable`, `CancellationReasons`), Node/undici network errors (`code`, also on `cause`),
 * and provider errors that carry an HTTP `status`/`statusCode` and optional `retryAfterSeconds`.
 */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof AppError || typeof error !== 'object' || error === null) return { kind: 'permanent' };
  const shape = error as ErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const retryAfterSeconds = positiveNumber(shape.retryAfterSeconds);
  const withHint = (kind: FailureKind): FailureClass =>
    retryAfterSeconds === undefined ? { kind } : { kind, retryAfterSeconds };

  if (name === 'TransactionCanceledException') return classifyCancelledTransaction(shape);
  if (THROTTLING_NAMES.has(name)) return withHint('throttled');
  if (SERVER_NAMES.has(name)) return withHint('unavailable');
  if (PERMANENT_NAMES.has(name)) return { kind: 'permanent' };

  const status = httpStatusOf(shape);
  if (status === 429) return withHint('throttled');
  if (status !== undefined && status >= 500 && status !== 501) return withHint('unavailable');
  if (status !== undefined && status >= 400) return { kind: 'permanent' };

  if (shape.$retryable !== undefined) return withHint(shape.$retryable.throttling === true ? 'throttled' : 'unavailable');
  if (NETWORK_NAMES.has(name) || isNetworkFailure(shape, 0)) return { kind: 'unavailable' };
  // The SDK attaches $metadata to everything it throws; without a status no service answered.
  if (typeof shape.$metadata === 'object' && shape.$metadata !== null) return { kind: 'unavailable' };
  return { kind: 'permanent' };
}

/**
 * What a logical call's final failure says about the dependency's health. Only an outage counts,
 * and a deadline abort only when the aborted attempt had at least `fairBudgetMs` to work with:
 * an attempt started with the budget nearly spent (a slow client, a lock wait) proves nothing.
 * Throttling and lost races mean the dependency is up; permanent errors are answers.
 */
export function isBreakerFailure(error: unknown, fairBudgetMs: number): boolean {
  if (error instanceof RetryDeadlineReachedError) return isBreakerFailure(error.cause, fairBudgetMs);
  if (error instanceof DeadlineAbortedError) return error.attemptBudgetMs >= fairBudgetMs;
  return classifyFailure(error).kind === 'unavailable';
}

function classifyCancelledTransaction(shape: ErrorShape): FailureClass {
  const codes = new Set((shape.CancellationReasons ?? []).map((reason) => reason.Code));
  // A failed condition is an answer the caller must act on, even if another item also conflicted.
  if (codes.has('ConditionalCheckFailed') || codes.has('ValidationError')) return { kind: 'permanent' };
  if (codes.has('TransactionConflict')) return { kind: 'contention' };
  if (codes.has('ThrottlingError') || codes.has('ProvisionedThroughputExceeded')) return { kind: 'throttled' };
  return { kind: 'permanent' };
}

function httpStatusOf(shape: ErrorShape): number | undefined {
  for (const candidate of [shape.$metadata?.httpStatusCode, shape.status, shape.statusCode]) {
    if (typeof candidate === 'number' && Number.isInteger(candidate)) return candidate;
  }
  return undefined;
}

const NETWORK_MESSAGE = new RegExp(`socket hang up|\\b(?:${[...NETWORK_CODES].join('|')})\\b`);

/**
 * fetch wraps the socket error in `cause`, so the chain is followed a few levels down. The
 * message is read too: when the SDK gets an error from another realm (a VM context, as under
 * jest) it re-wraps it as "AWS SDK error wrapper for Error: connect ECONNREFUSED …" without `code`.
 */
function isNetworkFailure(shape: ErrorShape, depth: number): boolean {
  if (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code)) return true;
  if (typeof shape.message === 'string' && NETWORK_MESSAGE.test(shape.message)) return true;
  const cause = shape.cause;
  return depth < 3 && typeof cause === 'object' && cause !== null && isNetworkFailure(cause as ErrorShape, depth + 1);
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.ceil(value) : undefined;
}
