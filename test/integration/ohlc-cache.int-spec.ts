import { Test, TestingModule } from '@nestjs/testing';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from '../../src/common/common.module';
import { ConfigModule } from '../../src/config/config.module';
import { Settings } from '../../src/config/settings';
import { InfrastructureModule } from '../../src/infrastructure/infrastructure.module';
import { lockPk, toCandleItem, toCoverageItem } from '../../src/ohlc/cache/ohlc-cache.items';
import { OhlcCacheRepository } from '../../src/ohlc/cache/ohlc-cache.repository';
import { ResilienceModule } from '../../src/resilience/resilience.module';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { testSettings } from '../support/test-settings';

const NOW_SEC = Math.floor(Date.parse('2026-11-30T22:00:00Z') / 1000);
const candle = (time: string, close: number) => ({ time, open: 1, high: 2, low: 0.5, close, volume: 100 });

describe(OhlcCacheRepository.name, () => {
  let resources: TestAwsResources;
  let moduleRef: TestingModule;
  let repository: OhlcCacheRepository;

  beforeAll(async () => {
    resources = await createTestAwsResources();
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule, LoggerModule.forRoot({ pinoHttp: { level: 'silent' } }), CommonModule, InfrastructureModule, ResilienceModule],
      providers: [OhlcCacheRepository],
    })
      .overrideProvider(Settings)
      .useValue(testSettings(resources.env))
      .compile();
    await moduleRef.init();
    repository = moduleRef.get(OhlcCacheRepository);
  });
  afterAll(async () => {
    await moduleRef?.close();
    await resources?.destroy();
  });

  const store = (ticker: string, time: string, expiresAt: number) =>
    repository.putAll([toCandleItem(ticker, '5', { candle: candle(time, 1), source: 'tiingo', fetchedAt: 1 }, expiresAt)], jest.fn());

  it('reads any sub-range of intraday candles in one query, skipping expired items unless asked for them', async () => {
    await store('AAPL', '2026-11-24T14:30:00.000Z', NOW_SEC + 60);
    await store('AAPL', '2026-11-25T14:30:00.000Z', NOW_SEC - 60);
    await store('AAPL', '2026-11-27T14:30:00.000Z', NOW_SEC + 60);
    const span = { start: '2026-11-25', end: '2026-11-27' };

    const fresh = await repository.candles('AAPL', '5', span, { nowSec: NOW_SEC });
    const all = await repository.candles('AAPL', '5', span, { nowSec: NOW_SEC, includeExpired: true });

    expect(fresh.map((s) => s.candle.time)).toEqual(['2026-11-27T14:30:00.000Z']);
    expect(all.map((s) => s.candle.time)).toEqual(['2026-11-25T14:30:00.000Z', '2026-11-27T14:30:00.000Z']);
  });

  it('gives a lock to one holder at a time, to another once the lease ran out, and lets only the holder release it', async () => {
    const pk = lockPk('MSFT', 'D', { start: '2026-11-02', end: '2026-11-06' }, '2026-11-30');
    const t0 = Date.now();

    expect(await repository.tryAcquireLock(pk, 'a', t0, 10_000)).toBe(true);
    expect(await repository.tryAcquireLock(pk, 'b', t0 + 1, 10_000)).toBe(false);
    expect(await repository.tryAcquireLock(pk, 'b', t0 + 10_001, 10_000)).toBe(true);
    await repository.releaseLock(pk, 'a');
    expect(await repository.tryAcquireLock(pk, 'c', t0 + 10_002, 10_000)).toBe(false);
    await repository.releaseLock(pk, 'b');
    expect(await repository.tryAcquireLock(pk, 'c', t0 + 10_003, 10_000)).toBe(true);
  });

  it('deletes every candle and coverage item of a ticker and bumps its epoch', async () => {
    await repository.putAll(
      [
        toCandleItem('NVDA', 'D', { candle: candle('2026-11-02', 1), source: 'tiingo', fetchedAt: 1 }, NOW_SEC + 60),
        toCoverageItem('NVDA', 'D', { date: '2026-11-02', fetchedAt: 1, complete: true, source: 'tiingo' }, NOW_SEC + 60),
        toCandleItem('NVDA', '60', { candle: candle('2026-11-02T14:30:00.000Z', 1), source: 'tiingo', fetchedAt: 1 }, NOW_SEC + 60),
        toCandleItem('NVDAX', 'D', { candle: candle('2026-11-02', 1), source: 'tiingo', fetchedAt: 1 }, NOW_SEC + 60),
      ],
      jest.fn(),
    );
    const before = await repository.readEpoch('NVDA');

    expect(await repository.deleteTicker('NVDA', jest.fn())).toBe(3);
    expect(await repository.bumpEpoch('NVDA')).toBe(before + 1);
    const span = { start: '2026-11-02', end: '2026-11-02' };
    expect(await repository.candles('NVDA', 'D', span, { nowSec: NOW_SEC })).toEqual([]);
    expect(await repository.coverage('NVDA', 'D', span, { nowSec: NOW_SEC })).toEqual([]);
    expect(await repository.candles('NVDAX', 'D', span, { nowSec: NOW_SEC })).toHaveLength(1);
  });
});
