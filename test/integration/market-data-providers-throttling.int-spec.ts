import { Test, TestingModule } from '@nestjs/testing';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from '../../src/common/common.module';
import { DependencyThrottledError } from '../../src/common/errors/dependency.errors';
import { ConfigModule } from '../../src/config/config.module';
import { loadSettings, Settings } from '../../src/config/settings';
import { InfrastructureModule } from '../../src/infrastructure/infrastructure.module';
import { MarketCalendar } from '../../src/ohlc/market-calendar';
import { MarketDataThrottledError } from '../../src/ohlc/ohlc.errors';
import { marketDataProviders, MarketDataService } from '../../src/ohlc/providers';
import { QuotaClock } from '../../src/quota/quota-clock';
import { QuotaModule } from '../../src/quota/quota.module';
import { ResilienceModule } from '../../src/resilience/resilience.module';
import { MarketDataSimulator, startMarketDataSimulator } from '../support/market-data-simulator';
import { FakeQuotaClock } from '../support/quota-test-module';
import { baseTestEnv } from '../support/test-app';
import { createTestAwsResources, TestAwsResources } from '../support/test-resources';

const NOW = new Date('2026-11-28T00:00:00Z');
const WEEK = { start: '2026-11-23', end: '2026-11-27' };

describe(`${MarketDataService.name} under throttling and quotas`, () => {
  let simulator: MarketDataSimulator;
  let resources: TestAwsResources;
  let moduleRef: TestingModule;
  let service: MarketDataService;
  // Every test gets its own quota windows: the clock jumps a day per test.
  const quotaClock = new FakeQuotaClock(new Date('2027-03-01T10:00:30Z'));

  const start = async (overrides: Record<string, string> = {}): Promise<void> => {
    const settings = loadSettings({
      ...baseTestEnv(),
      ...resources.env,
      TIINGO_API_KEY: simulator.tiingoApiKey,
      TIINGO_BASE_URL: simulator.tiingoBaseUrl,
      FINNHUB_API_KEY: simulator.finnhubApiKey,
      FINNHUB_BASE_URL: simulator.finnhubBaseUrl,
      REQUEST_DEADLINE_MS: '2000',
      ...overrides,
    });
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule, LoggerModule.forRoot({ pinoHttp: { level: 'silent' } }), CommonModule, InfrastructureModule, ResilienceModule, QuotaModule],
      providers: [{ provide: MarketCalendar, useValue: new MarketCalendar(() => NOW) }, ...marketDataProviders],
    })
      .overrideProvider(Settings)
      .useValue(settings)
      .overrideProvider(QuotaClock)
      .useValue(quotaClock)
      .compile();
    await moduleRef.init();
    service = moduleRef.get(MarketDataService);
  };

  beforeAll(async () => {
    [simulator, resources] = await Promise.all([startMarketDataSimulator({ clock: () => NOW }), createTestAwsResources()]);
  });
  beforeEach(() => quotaClock.advance(86_400_000));
  afterEach(async () => {
    simulator.reset();
    await moduleRef?.close();
  });
  afterAll(async () => {
    await simulator?.close();
    await resources?.destroy();
  });

  it('stops calling Tiingo after its 429 until Retry-After passes, answering from Finnhub meanwhile', async () => {
    await start();
    simulator.throttle('tiingo', 120);
    const first = await service.fetch('AAPL', 'D', WEEK);
    const second = await service.fetch('AAPL', '30', WEEK);

    expect([first.source, second.source]).toEqual(['finnhub', 'finnhub']);
    expect(second.candles).toHaveLength(13 * 3 + 7);
    // One call for the 429 itself (no retry spent on it), none for the second fetch.
    expect(simulator.calls('tiingo')).toBe(1);
    expect(simulator.calls('finnhub')).toBe(2);
  });

  it('answers 429 THROTTLED with the shortest Retry-After when every provider is throttling', async () => {
    await start();
    simulator.throttle('tiingo', 120);
    simulator.throttle('finnhub', 7);
    const error = await service.fetch('AAPL', 'D', WEEK).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MarketDataThrottledError);
    expect(error).toBeInstanceOf(DependencyThrottledError);
    expect(error).toMatchObject({ code: 'THROTTLED', retryAfterSeconds: 7, details: { dependency: 'market-data' } });
    expect(simulator.calls()).toBe(2);
  });

  it('fails over to Finnhub once the Tiingo quota is used up', async () => {
    await start({ QUOTA_TIINGO_HOUR_LIMIT: '1', QUOTA_FINNHUB_MINUTE_LIMIT: '100' });
    const first = await service.fetch('MSFT', 'D', WEEK);
    const second = await service.fetch('MSFT', 'D', WEEK);

    expect([first.source, second.source]).toEqual(['tiingo', 'finnhub']);
    expect(second.candles).toEqual(first.candles);
    expect(simulator.calls('tiingo')).toBe(1);
  });

  it('answers 429 THROTTLED with the earliest quota reset when every quota is used up', async () => {
    await start({ QUOTA_TIINGO_HOUR_LIMIT: '1', QUOTA_FINNHUB_MINUTE_LIMIT: '1' });
    await service.fetch('MSFT', 'D', WEEK);
    await service.fetch('MSFT', 'D', WEEK);
    const error = await service.fetch('MSFT', 'D', WEEK).catch((e: unknown) => e);

    // The fake clock stands 30 s into a minute: Finnhub's minute window resets first.
    expect(error).toBeInstanceOf(MarketDataThrottledError);
    expect(error).toMatchObject({ code: 'THROTTLED', retryAfterSeconds: 30 });
    expect(simulator.calls()).toBe(2);
  });
});
