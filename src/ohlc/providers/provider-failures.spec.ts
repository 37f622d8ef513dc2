import { DependencyTimeoutError, DependencyUnavailableError } from '../../common/errors/dependency.errors';
import { MarketDataThrottledError, MarketDataUnavailableError } from '../ohlc.errors';
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

  it('does not take a timeout’s nominal 1 s as a provider hint', () => {
    expect(retryHintOf(new DependencyTimeoutError('tiingo'))).toBeUndefined();
    expect(retryHintOf(new DependencyUnavailableError('finnhub', 42))).toBe(42);
  });
});
