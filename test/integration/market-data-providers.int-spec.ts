import { DependencyUnavailableError } from '../../src/common/errors/dependency.errors';
import { MarketDataUnavailableError, TickerNotFoundError } from '../../src/market-data/market-data.errors';
import { MarketDataService } from '../../src/market-data/market-data.service';
import { MetricsRegistry } from '../../src/observability/metrics.registry';
import { useMarketDataSuite } from '../support/market-data-test-module';
import { newYorkDateOf } from '../support/nyse-schedule';

// Saturday 2026-11-28 00:00 UTC = Friday 19:00 in New York: the Thanksgiving week has closed.
const NOW = new Date('2026-11-28T00:00:00Z');
const THANKSGIVING_WEEK = { start: '2026-11-23', end: '2026-11-27' };

describe(MarketDataService.name, () => {
  const suite = useMarketDataSuite({
    now: NOW,
    env: { QUOTA_TIINGO_HOUR_LIMIT: '100000', QUOTA_TIINGO_DAY_LIMIT: '100000', QUOTA_FINNHUB_MINUTE_LIMIT: '100000' },
  });

  const requestsCounted = async (provider: string, outcome: string): Promise<number> => {
    const metric = await suite.moduleRef.get(MetricsRegistry).registry.getSingleMetric('market_data_requests_total')?.get();
    return metric?.values.find((v) => v.labels.provider === provider && v.labels.outcome === outcome)?.value ?? 0;
  };

  it('maps Tiingo daily prices to session dates, oldest first, with integer volumes', async () => {
    await suite.start();
    const { source, candles } = await suite.service.fetch('AAPL', 'D', { start: '2026-11-16', end: '2026-11-27' });

    expect(source).toBe('tiingo');
    expect(candles.map((c) => c.time)).toEqual([
      '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20',
      '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-27',
    ]);
    for (const candle of candles) {
      expect(Number.isInteger(candle.volume) && candle.volume > 0).toBe(true);
      expect(candle.high).toBeGreaterThanOrEqual(Math.max(candle.open, candle.close));
    }
  });

  it('returns one 5-minute bar per calendar slot: 78 + 0 + 42 for 2026-11-25..27, as UTC timestamps', async () => {
    await suite.start();
    const { candles } = await suite.service.fetch('MSFT', '5', { start: '2026-11-25', end: '2026-11-27' });

    const perDay = (date: string): number => candles.filter((c) => newYorkDateOf(new Date(c.time)) === date).length;
    expect([perDay('2026-11-25'), perDay('2026-11-26'), perDay('2026-11-27')]).toEqual([78, 0, 42]);
    expect(candles[0].time).toBe('2026-11-25T14:30:00.000Z');
    expect(candles.at(-1)?.time).toBe('2026-11-27T17:55:00.000Z');
    expect(candles.map((c) => c.time)).toEqual([...candles.map((c) => c.time)].sort());
  });

  it('turns null or missing volumes into 0 from either provider', async () => {
    await suite.start();
    suite.simulator.nullVolumes('tiingo', true);
    const fromTiingo = await suite.service.fetch('AAPL', '60', THANKSGIVING_WEEK);
    suite.simulator.failWith('tiingo', 500);
    suite.simulator.nullVolumes('finnhub', 'omit');
    const fromFinnhub = await suite.service.fetch('AAPL', 'D', THANKSGIVING_WEEK);

    expect(fromTiingo.candles).toHaveLength(7 * 3 + 4);
    expect(new Set(fromTiingo.candles.map((c) => c.volume))).toEqual(new Set([0]));
    expect(fromFinnhub).toMatchObject({ source: 'finnhub' });
    expect(fromFinnhub.candles.map((c) => c.volume)).toEqual([0, 0, 0, 0]);
  });

  it('fails over to Finnhub when Tiingo answers 500, with the same candles', async () => {
    await suite.start();
    const expected = await suite.service.fetch('NVDA', '15', THANKSGIVING_WEEK);
    suite.simulator.failWith('tiingo', 500);
    const answer = await suite.service.fetch('NVDA', '15', THANKSGIVING_WEEK);

    expect(answer.source).toBe('finnhub');
    expect(answer.candles).toEqual(expected.candles);
    expect(await requestsCounted('tiingo', 'error')).toBe(1);
    expect(await requestsCounted('finnhub', 'ok')).toBe(1);
  });

  it('leaves a hanging Tiingo to its share of the deadline and answers from Finnhub in time', async () => {
    // Finnhub's answer can only arrive before the request deadline: it shares the same signal.
    await suite.start({ REQUEST_DEADLINE_MS: '2500' });
    suite.simulator.hang('tiingo', true);
    const answer = await suite.service.fetch('AMZN', 'D', THANKSGIVING_WEEK);

    expect(answer.source).toBe('finnhub');
    expect(answer.candles).toHaveLength(4);
    expect(suite.simulator.calls('tiingo')).toBe(1);
  });

  it('reports an unknown ticker at Tiingo as TickerNotFoundError without asking Finnhub', async () => {
    await suite.start();
    const failure = suite.service.fetch('ZZTOP', 'D', THANKSGIVING_WEEK);

    await expect(failure).rejects.toBeInstanceOf(TickerNotFoundError);
    await expect(failure).rejects.toMatchObject({ code: 'TICKER_NOT_FOUND', details: { symbol: 'ZZTOP' } });
    expect(suite.simulator.calls('finnhub')).toBe(0);
  });

  it('answers 503 market-data with a Retry-After when both providers are down, never naming an API key', async () => {
    await suite.start();
    suite.simulator.failWith('tiingo', 503);
    suite.simulator.failWith('finnhub', 500);
    const error = await suite.service.fetch('AAPL', 'D', THANKSGIVING_WEEK).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MarketDataUnavailableError);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { dependency: 'market-data' } });
    expect((error as MarketDataUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const messages = causeChain(error).map((e) => `${e.name} ${e.message}`).join('\n');
    expect(messages).toContain('finnhub answered HTTP 500');
    expect(messages).not.toContain(suite.simulator.finnhubApiKey);
    expect(messages).not.toContain(suite.simulator.tiingoApiKey);
  });

  it('answers 503 without calling anyone when no provider has an API key', async () => {
    await suite.start({ TIINGO_API_KEY: '', FINNHUB_API_KEY: '' });

    expect(suite.service.enabledProviders()).toEqual([]);
    await expect(suite.service.fetch('AAPL', 'D', THANKSGIVING_WEEK)).rejects.toBeInstanceOf(MarketDataUnavailableError);
    expect(suite.simulator.calls()).toBe(0);
  });
});

function causeChain(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let current = error; current instanceof Error && chain.length < 6; current = current.cause) chain.push(current);
  return chain;
}
