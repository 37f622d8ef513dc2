import { DependencyThrottledError } from '../common/errors/dependency.errors';
import { DeadlineAbortedError } from './deadline';
import { classifyFailure, FailureKind, isBreakerFailure } from './error-classification';
import { RetryDeadlineReachedError } from './retry.policy';

const sdkError = (name: string, httpStatusCode: number, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(`${name} from the SDK`), { name, $metadata: { httpStatusCode }, ...extra });

const networkError = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

const cancelled = (...codes: string[]): Error =>
  sdkError('TransactionCanceledException', 400, { CancellationReasons: codes.map((Code) => ({ Code })) });

describe(classifyFailure.name, () => {
  it.each<[string, unknown, FailureKind]>([
    ['ThrottlingException', sdkError('ThrottlingException', 400), 'throttled'],
    ['ProvisionedThroughputExceededException', sdkError('ProvisionedThroughputExceededException', 400), 'throttled'],
    ['RequestLimitExceeded', sdkError('RequestLimitExceeded', 400), 'throttled'],
    ['S3 SlowDown', sdkError('SlowDown', 503), 'throttled'],
    ['HTTP 429 from a provider', { status: 429 }, 'throttled'],
    ['SDK error flagged as throttling', Object.assign(new Error('x'), { name: 'Odd', $retryable: { throttling: true } }), 'throttled'],
    ['InternalServerError', sdkError('InternalServerError', 500), 'unavailable'],
    ['ServiceUnavailable', sdkError('ServiceUnavailable', 503), 'unavailable'],
    ['S3 InternalError', sdkError('InternalError', 500), 'unavailable'],
    ['an unnamed 502', sdkError('UnknownError', 502), 'unavailable'],
    ['HTTP 503 from a provider', { statusCode: 503 }, 'unavailable'],
    ['ECONNREFUSED', networkError('ECONNREFUSED'), 'unavailable'],
    ['ECONNRESET', networkError('ECONNRESET'), 'unavailable'],
    ['ETIMEDOUT', networkError('ETIMEDOUT'), 'unavailable'],
    ['EPIPE', networkError('EPIPE'), 'unavailable'],
    ['socket hang up', new Error('socket hang up'), 'unavailable'],
    ['a network error re-wrapped by the SDK', new Error('AWS SDK error wrapper for Error: read ECONNRESET'), 'unavailable'],
    ['fetch failed (cause ECONNRESET)', new TypeError('fetch failed', { cause: networkError('ECONNRESET') }), 'unavailable'],
    ['SDK TimeoutError', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'unavailable'],
    ['SDK AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'unavailable'],
    ['DNS failure (ENOTFOUND)', Object.assign(new Error('getaddrinfo ENOTFOUND dynamodb.example'), { code: 'ENOTFOUND' }), 'unavailable'],
    ['DNS failure re-wrapped by the SDK', new Error('AWS SDK error wrapper for Error: getaddrinfo ENOTFOUND dynamodb.example'), 'unavailable'],
    ['DNS temporary failure (EAI_AGAIN)', networkError('EAI_AGAIN'), 'unavailable'],
    ['TLS: expired certificate', networkError('CERT_HAS_EXPIRED'), 'unavailable'],
    ['TLS: wrong host name', networkError('ERR_TLS_CERT_ALTNAME_INVALID'), 'unavailable'],
    ['TLS: protocol error', networkError('EPROTO'), 'unavailable'],
    ['TLS failure inside fetch', new TypeError('fetch failed', { cause: networkError('UNABLE_TO_VERIFY_LEAF_SIGNATURE') }), 'unavailable'],
    ['CredentialsProviderError', Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }), 'unavailable'],
    ['TokenProviderError', Object.assign(new Error('no token'), { name: 'TokenProviderError' }), 'unavailable'],
    ['an SDK error without a service status', Object.assign(new Error('odd'), { name: 'Odd', $metadata: {} }), 'unavailable'],
    ['TransactionConflict', cancelled('None', 'TransactionConflict'), 'contention'],
    ['transaction throttled', cancelled('ThrottlingError'), 'throttled'],
    ['ConditionalCheckFailed in a transaction', cancelled('ConditionalCheckFailed', 'TransactionConflict'), 'permanent'],
    ['ValidationException', sdkError('ValidationException', 400), 'permanent'],
    ['ConditionalCheckFailedException', sdkError('ConditionalCheckFailedException', 400), 'permanent'],
    ['AccessDenied', sdkError('AccessDenied', 403), 'permanent'],
    ['HTTP 404 from a provider', { status: 404 }, 'permanent'],
    ['HTTP 400 without a name', sdkError('UnknownError', 400), 'permanent'],
    ['a domain error', new DependencyThrottledError('tiingo', 3), 'permanent'],
    ['a programming error', new TypeError('x is undefined'), 'permanent'],
    ['a thrown string', 'boom', 'permanent'],
  ])('treats %s as %s', (_label, error, kind) => {
    expect(classifyFailure(error).kind).toBe(kind);
  });

  it('keeps the Retry-After hint a provider error carries, in whole seconds', () => {
    expect(classifyFailure({ status: 429, retryAfterSeconds: 7.2 })).toEqual({ kind: 'throttled', retryAfterSeconds: 8 });
  });
});

describe(isBreakerFailure.name, () => {
  const fairBudgetMs = 1000;

  it('counts outages, not throttling, races or permanent errors', () => {
    expect(isBreakerFailure(sdkError('InternalServerError', 500), fairBudgetMs)).toBe(true);
    expect(isBreakerFailure(networkError('ECONNREFUSED'), fairBudgetMs)).toBe(true);
    expect(isBreakerFailure(Object.assign(new Error('x'), { name: 'CredentialsProviderError' }), fairBudgetMs)).toBe(true);
    expect(isBreakerFailure(sdkError('ThrottlingException', 400), fairBudgetMs)).toBe(false);
    expect(isBreakerFailure(cancelled('TransactionConflict'), fairBudgetMs)).toBe(false);
    expect(isBreakerFailure(sdkError('ValidationException', 400), fairBudgetMs)).toBe(false);
  });

  it('counts a deadline abort only when the aborted attempt started with a fair budget', () => {
    expect(isBreakerFailure(new DeadlineAbortedError(undefined, 4000), fairBudgetMs)).toBe(true);
    expect(isBreakerFailure(new DeadlineAbortedError(undefined, 1000), fairBudgetMs)).toBe(true);
    expect(isBreakerFailure(new DeadlineAbortedError(undefined, 999), fairBudgetMs)).toBe(false);
    expect(isBreakerFailure(new DeadlineAbortedError(), fairBudgetMs)).toBe(false);
  });

  it('judges a retry cut short by the deadline by the failure before it', () => {
    expect(isBreakerFailure(new RetryDeadlineReachedError(sdkError('InternalServerError', 500)), fairBudgetMs)).toBe(true);
    expect(isBreakerFailure(new RetryDeadlineReachedError(sdkError('ThrottlingException', 400)), fairBudgetMs)).toBe(false);
  });
});
