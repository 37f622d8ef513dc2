import { DependencyTimeoutError, DependencyUnavailableError } from '../common/errors/dependency.errors';
import { RetryDeadlineReachedError } from '../resilience/retry.policy';
import { isMarketDataOutage, MarketDataThrottledError, MarketDataTimeoutError, MarketDataUnavailableError } from './market-data.errors';
import { noProviderAnswered, retryHintOf } from './provider-failures';

describe(noProviderAnswered.name, () => {
  it('answers 429 with the earliest wait when every provider is throttled or out of quota', () => {
    const error = noProviderAnswered([
      { provider: 'tiingo', outcome: 'quota_exhausted', retryAfterSeconds: 1800 },
      { provider: 'finnhub', outcome: 'throttled', retryAfterSeconds: 12 },
    ]);

    expect(error).toBeInstanceOf(MarketDataThrottledError);
    expect(error.retryAfterSeconds).toBe(12);
  });

  it('answers 503 when any provider failed for another reason, defaulting Retry-After to 5 s', () => {
    const error = noProviderAnswered([
      { provider: 'tiingo', outcome: 'error' },
      { provider: 'finnhub', outcome: 'quota_exhausted', retryAfterSeconds: 40 },
    ]);
    const withoutHints = noProviderAnswered([{ provider: 'tiingo', outcome: 'error' }]);

    expect(error).toBeInstanceOf(MarketDataUnavailableError);
    expect(error.retryAfterSeconds).toBe(40);
    expect(withoutHints.retryAfterSeconds).toBe(5);
  });

  it('answers 504 when every provider timed out, or when the request deadline ran out while failing over', () => {
    const allTimedOut = noProviderAnswered([
      { provider: 'tiingo', outcome: 'error', error: new DependencyTimeoutError('tiingo') },
      { provider: 'finnhub', outcome: 'error', error: new DependencyTimeoutError('finnhub') },
    ]);
    const deadlinePassed = noProviderAnswered(
      [
        { provider: 'tiingo', outcome: 'error', error: new DependencyUnavailableError('tiingo', 5) },
        { provider: 'finnhub', outcome: 'error', error: new DependencyTimeoutError('finnhub') },
      ],
      true,
    );

    for (const error of [allTimedOut, deadlinePassed]) {
      expect(error).toBeInstanceOf(MarketDataTimeoutError);
      expect(error).toMatchObject({ code: 'DEPENDENCY_TIMEOUT', details: { dependency: 'market-data' } });
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(isMarketDataOutage(error)).toBe(true);
    }
  });

  it('answers 503, not 504, when only the retries of failing calls ran out of time', () => {
    const error = noProviderAnswered([
      { provider: 'tiingo', outcome: 'error', error: new DependencyTimeoutError('tiingo', 1, new RetryDeadlineReachedError(new Error('HTTP 500'))) },
      { provider: 'finnhub', outcome: 'error', error: new DependencyTimeoutError('finnhub') },
    ]);

    expect(error).toBeInstanceOf(MarketDataUnavailableError);
  });

  it('does not take a timeout’s nominal 1 s as a provider hint', () => {
    expect(retryHintOf(new DependencyTimeoutError('tiingo'))).toBeUndefined();
    expect(retryHintOf(new DependencyUnavailableError('finnhub', 42))).toBe(42);
  });
});
