import { Test, TestingModule } from '@nestjs/testing';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from '../../src/common/common.module';
import { DependencyUnavailableError } from '../../src/common/errors/dependency.errors';
import { ConfigModule } from '../../src/config/config.module';
import { loadSettings, Settings } from '../../src/config/settings';
import { InfrastructureModule } from '../../src/infrastructure/infrastructure.module';
import { MarketCalendar } from '../../src/ohlc/market-calendar';
import { MarketDataUnavailableError, TickerNotFoundError } from '../../src/ohlc/ohlc.errors';
import { marketDataProviders, MarketDataService } from '../../src/ohlc/providers';
import { MetricsRegistry } from '../../src/observability/metrics.registry';
import { QuotaModule } from '../../src/quota/quota.module';
import { ResilienceModule } from '../../src/resilience/resilience.module';
import { MarketDataSimulator, startMarketDataSimulator } from '../support/market-data-simulator';
import { baseTestEnv } from '../support/test-app';
import { createTestAwsResources, TestAwsResources } from '../support/test-resources';

// Saturday 2026-11-28 00:00 UTC = Friday 19:00 in New York: the Thanksgiving week has closed.
const NOW = new Date('2026-11-28T00:00:00Z');
const THANKSGIVING_WEEK = { start: '2026-11-23', end: '2026-11-27' };

describe(MarketDataService.name, () => {
  let simulator: MarketDataSimulator;
  let resources: TestAwsResources;
  let moduleRef: TestingModule;
  let service: MarketDataService;

  const start = async (overrides: Record<string, string> = {}): Promise<void> => {
    const settings = loadSettings({
      ...baseTestEnv(),
      ...resources.env,
      TIINGO_API_KEY: simulator.tiingoApiKey,
      TIINGO_BASE_URL: simulator.tiingoBaseUrl,
      FINNHUB_API_KEY: simulator.finnhubApiKey,
      FINNHUB_BASE_URL: simulator.finnhubBaseUrl,
      REQUEST_DEADLINE_MS: '2000',
      QUOTA_TIINGO_HOUR_LIMIT: '100000',
      QUOTA_TIINGO_DAY_LIMIT: '100000',
      QUOTA_FINNHUB_MINUTE_LIMIT: '100000',
      ...overrides,
    });
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule, LoggerModule.forRoot({ pinoHttp: { level: 'silent' } }), CommonModule, InfrastructureModule, ResilienceModule, QuotaModule],
      providers: [{ provide: MarketCalendar, useValue: new MarketCalendar(() => NOW) }, ...marketDataProviders],
    })
      .overrideProvider(Settings)
      .useValue(settings)
      .compile();
    await moduleRef.init();
    service = moduleRef.get(MarketDataService);
  };

  const requestsCounted = async (provider: string, outcome: string): Promise<number> => {
    const metric = await moduleRef.get(MetricsRegistry).registry.getSingleMetric('market_data_requests_total')?.get();
    return metric?.values.find((v) => v.labels.provider === provider && v.labels.outcome === outcome)?.value ?? 0;
  };

  beforeAll(async () => {
    [simulator, resources] = await Promise.all([startMarketDataSimulator({ clock: () => NOW }), createTestAwsResources()]);
  });
  afterEach(async () => {
    simulator.reset();
    await moduleRef?.close();
  });
  afterAll(async () => {
    await simulator?.close();
    await resources?.destroy();
  });

  it('maps Tiingo daily prices to session dates, oldest first, with integer volumes', async () => {
    await start();
    const { source, candles } = await service.fetch('AAPL', 'D', { start: '2026-11-16', end: '2026-11-27' });

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
    await start();
    const { candles } = await service.fetch('MSFT', '5', { start: '2026-11-25', end: '2026-11-27' });

    const perDay = (date: string): number => candles.filter((c) => new MarketCalendar().marketDateOf(new Date(c.time)) === date).length;
    expect([perDay('2026-11-25'), perDay('2026-11-26'), perDay('2026-11-27')]).toEqual([78, 0, 42]);
    expect(candles[0].time).toBe('2026-11-25T14:30:00.000Z');
    expect(candles.at(-1)?.time).toBe('2026-11-27T17:55:00.000Z');
    expect(candles.map((c) => c.time)).toEqual([...candles.map((c) => c.time)].sort());
  });

  it('turns null or missing volumes into 0 from either provider', async () => {
    await start();
    simulator.nullVolumes('tiingo', true);
    const fromTiingo = await service.fetch('AAPL', '60', THANKSGIVING_WEEK);
    simulator.failWith('tiingo', 500);
    simulator.nullVolumes('finnhub', 'omit');
    const fromFinnhub = await service.fetch('AAPL', 'D', THANKSGIVING_WEEK);

    expect(fromTiingo.candles).toHaveLength(7 * 3 + 4);
    expect(new Set(fromTiingo.candles.map((c) => c.volume))).toEqual(new Set([0]));
    expect(fromFinnhub).toMatchObject({ source: 'finnhub' });
    expect(fromFinnhub.candles.map((c) => c.volume)).toEqual([0, 0, 0, 0]);
  });

  it('fails over to Finnhub when Tiingo answers 500, with the same candles', async () => {
    await start();
    const expected = await service.fetch('NVDA', '15', THANKSGIVING_WEEK);
    simulator.failWith('tiingo', 500);
    const answer = await service.fetch('NVDA', '15', THANKSGIVING_WEEK);

    expect(answer.source).toBe('finnhub');
    expect(answer.candles).toEqual(expected.candles);
    expect(await requestsCounted('tiingo', 'error')).toBe(1);
    expect(await requestsCounted('finnhub', 'ok')).toBe(1);
  });

  it('leaves a hanging Tiingo to its share of the deadline and answers from Finnhub in time', async () => {
    // Finnhub's answer can only arrive before the request deadline: it shares the same signal.
    await start({ REQUEST_DEADLINE_MS: '2500' });
    simulator.hang('tiingo', true);
    const answer = await service.fetch('AMZN', 'D', THANKSGIVING_WEEK);

    expect(answer.source).toBe('finnhub');
    expect(answer.candles).toHaveLength(4);
    expect(simulator.calls('tiingo')).toBe(1);
  });

  it('reports an unknown ticker at Tiingo as TickerNotFoundError without asking Finnhub', async () => {
    await start();
    const failure = service.fetch('ZZTOP', 'D', THANKSGIVING_WEEK);

    await expect(failure).rejects.toBeInstanceOf(TickerNotFoundError);
    await expect(failure).rejects.toMatchObject({ code: 'TICKER_NOT_FOUND', details: { symbol: 'ZZTOP' } });
    expect(simulator.calls('finnhub')).toBe(0);
  });

  it('answers 503 market-data with a Retry-After when both providers are down, never naming an API key', async () => {
    await start();
    simulator.failWith('tiingo', 503);
    simulator.failWith('finnhub', 500);
    const error = await service.fetch('AAPL', 'D', THANKSGIVING_WEEK).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MarketDataUnavailableError);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { dependency: 'market-data' } });
    expect((error as MarketDataUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const messages = causeChain(error).map((e) => `${e.name} ${e.message}`).join('\n');
    expect(messages).toContain('finnhub answered HTTP 500');
    expect(messages).not.toContain(simulator.finnhubApiKey);
    expect(messages).not.toContain(simulator.tiingoApiKey);
  });

  it('answers 503 without calling anyone when no provider has an API key', async () => {
    await start({ TIINGO_API_KEY: '', FINNHUB_API_KEY: '' });

    expect(service.enabledProviders()).toEqual([]);
    await expect(service.fetch('AAPL', 'D', THANKSGIVING_WEEK)).rejects.toBeInstanceOf(MarketDataUnavailableError);
    expect(simulator.calls()).toBe(0);
  });
});

function causeChain(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let current = error; current instanceof Error && chain.length < 6; current = current.cause) chain.push(current);
  return chain;
}
