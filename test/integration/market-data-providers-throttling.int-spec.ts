import { DependencyThrottledError } from '../../src/common/errors/dependency.errors';
import { MarketDataThrottledError } from '../../src/market-data/market-data.errors';
import { MarketDataService } from '../../src/market-data/market-data.service';
import { QuotaService } from '../../src/quota/quota.service';
import { useMarketDataSuite } from '../support/market-data-test-module';
import { FakeQuotaClock } from '../support/quota-test-module';

const NOW = new Date('2026-11-28T00:00:00Z');
const WEEK = { start: '2026-11-23', end: '2026-11-27' };

describe(`${MarketDataService.name} under throttling and quotas`, () => {
  // Every test gets its own quota windows: the clock jumps a day per test.
  const quotaClock = new FakeQuotaClock(new Date('2027-03-01T10:00:30Z'));
  const suite = useMarketDataSuite({ now: NOW, quotaClock });

  beforeEach(() => quotaClock.advance(86_400_000));

  it('stops calling Tiingo after its 429 until Retry-After passes, answering from Finnhub meanwhile, then uses Tiingo again', async () => {
    // The skip window is kept on Date.now(): shift only that clock, by whole steps between fetches.
    const realNow = Date.now.bind(Date);
    let shiftMs = 0;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + shiftMs);
    try {
      await suite.start();
      suite.simulator.throttle('tiingo', 120);
      const first = await suite.service.fetch('AAPL', 'D', WEEK);
      // Tiingo would answer now, but its Retry-After has not passed.
      suite.simulator.throttle('tiingo', null);
      const second = await suite.service.fetch('AAPL', '30', WEEK);
      shiftMs = 119_000;
      const beforeRetryAfter = await suite.service.fetch('AAPL', '60', WEEK);
      const tiingoCallsWhileSkipped = suite.simulator.calls('tiingo');
      shiftMs = 121_000;
      const afterRetryAfter = await suite.service.fetch('AAPL', '15', WEEK);

      expect([first.source, second.source, beforeRetryAfter.source]).toEqual(['finnhub', 'finnhub', 'finnhub']);
      expect(second.candles).toHaveLength(13 * 3 + 7);
      // One call for the 429 itself (no retry spent on it), none while its Retry-After lasted.
      expect(tiingoCallsWhileSkipped).toBe(1);
      expect(suite.simulator.calls('finnhub')).toBe(3);
      expect(afterRetryAfter.source).toBe('tiingo');
      expect(afterRetryAfter.candles).toHaveLength(26 * 3 + 14);
      expect(suite.simulator.calls('tiingo')).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });

  it('answers 429 THROTTLED with the shortest Retry-After when every provider is throttling', async () => {
    await suite.start();
    suite.simulator.throttle('tiingo', 120);
    suite.simulator.throttle('finnhub', 7);
    const error = await suite.service.fetch('AAPL', 'D', WEEK).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MarketDataThrottledError);
    expect(error).toBeInstanceOf(DependencyThrottledError);
    expect(error).toMatchObject({ code: 'THROTTLED', retryAfterSeconds: 7, details: { dependency: 'market-data' } });
    expect(suite.simulator.calls()).toBe(2);
  });

  it('counts one Tiingo quota unit per HTTP attempt, retries included, before failing over', async () => {
    // Deadline long enough for the retry policy's 3 calls within Tiingo's share of it.
    await suite.start({ REQUEST_DEADLINE_MS: '6000' });
    suite.simulator.failWith('tiingo', 500);
    const answer = await suite.service.fetch('NFLX', 'D', WEEK);
    const quota = suite.moduleRef.get(QuotaService);
    const tiingoUsed = (await quota.usage('tiingo')).windows.map((w) => w.used);
    const finnhubUsed = (await quota.usage('finnhub')).windows.map((w) => w.used);

    expect(answer.source).toBe('finnhub');
    expect(suite.simulator.calls('tiingo')).toBe(3);
    // Hour and day windows, each holding every attempt.
    expect(tiingoUsed).toEqual([3, 3]);
    expect(finnhubUsed).toEqual([1]);
  });

  it('fails over to Finnhub when the Tiingo quota runs out between retries', async () => {
    await suite.start({ REQUEST_DEADLINE_MS: '6000', QUOTA_TIINGO_HOUR_LIMIT: '2', QUOTA_FINNHUB_MINUTE_LIMIT: '100' });
    suite.simulator.failWith('tiingo', 500);
    const answer = await suite.service.fetch('NFLX', 'D', WEEK);

    expect(answer.source).toBe('finnhub');
    // The third attempt found the quota used up and never reached Tiingo.
    expect(suite.simulator.calls('tiingo')).toBe(2);
  });

  it('fails over to Finnhub once the Tiingo quota is used up', async () => {
    await suite.start({ QUOTA_TIINGO_HOUR_LIMIT: '1', QUOTA_FINNHUB_MINUTE_LIMIT: '100' });
    const first = await suite.service.fetch('MSFT', 'D', WEEK);
    const second = await suite.service.fetch('MSFT', 'D', WEEK);

    expect([first.source, second.source]).toEqual(['tiingo', 'finnhub']);
    expect(second.candles).toEqual(first.candles);
    expect(suite.simulator.calls('tiingo')).toBe(1);
  });

  it('answers 429 THROTTLED with the earliest quota reset when every quota is used up', async () => {
    await suite.start({ QUOTA_TIINGO_HOUR_LIMIT: '1', QUOTA_FINNHUB_MINUTE_LIMIT: '1' });
    await suite.service.fetch('MSFT', 'D', WEEK);
    await suite.service.fetch('MSFT', 'D', WEEK);
    const error = await suite.service.fetch('MSFT', 'D', WEEK).catch((e: unknown) => e);

    // The fake clock stands 30 s into a minute: Finnhub's minute window resets first.
    expect(error).toBeInstanceOf(MarketDataThrottledError);
    expect(error).toMatchObject({ code: 'THROTTLED', retryAfterSeconds: 30 });
    expect(suite.simulator.calls()).toBe(2);
  });
});
