import { Test, TestingModule } from '@nestjs/testing';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from '../../src/common/common.module';
import { ConfigModule } from '../../src/config/config.module';
import { Settings } from '../../src/config/settings';
import { AwsClients } from '../../src/infrastructure/aws-clients';
import { InfrastructureModule } from '../../src/infrastructure/infrastructure.module';
import { lockPk, toCandleItem, toCoverageItem } from '../../src/ohlc/store/ohlc-cache.items';
import { OhlcCacheRepository } from '../../src/ohlc/store/ohlc-cache.repository';
import { OhlcControlRepository } from '../../src/ohlc/store/ohlc-control.repository';
import { ResilienceModule } from '../../src/resilience/resilience.module';
import { countSdkRequests } from '../support/sdk-request-counter';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { testSettings } from '../support/test-settings';

// Real time: DynamoDB Local deletes items whose TTL has passed in wall time, whatever a test clock says.
const NOW_SEC = Math.floor(Date.now() / 1000);
const candle = (time: string, close: number) => ({ time, open: 1, high: 2, low: 0.5, close, volume: 100 });

describe(`${OhlcCacheRepository.name} and ${OhlcControlRepository.name}`, () => {
  let resources: TestAwsResources;
  let moduleRef: TestingModule;
  let repository: OhlcCacheRepository;
  let control: OhlcControlRepository;
  let requests: { readonly count: number };

  beforeAll(async () => {
    resources = await createTestAwsResources();
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule, LoggerModule.forRoot({ pinoHttp: { level: 'silent' } }), CommonModule, InfrastructureModule, ResilienceModule],
      providers: [OhlcCacheRepository, OhlcControlRepository],
    })
      .overrideProvider(Settings)
      .useValue(testSettings(resources.env))
      .compile();
    await moduleRef.init();
    repository = moduleRef.get(OhlcCacheRepository);
    control = moduleRef.get(OhlcControlRepository);
    requests = countSdkRequests(moduleRef.get(AwsClients).dynamodb);
  });
  afterAll(async () => {
    await moduleRef?.close();
    await resources?.destroy();
  });

  const stored = (time: string, epoch = 0) => ({ candle: candle(time, 1), source: 'tiingo' as const, fetchedAt: 1, epoch });
  const store = (ticker: string, time: string, expiresAt: number, epoch = 0) =>
    repository.putAll([toCandleItem(ticker, '5', stored(time, epoch), expiresAt)], jest.fn());
  const read = { nowSec: NOW_SEC, epoch: 0 };
  const candlesOf = async (...args: Parameters<OhlcCacheRepository['range']>) => (await repository.range(...args)).candles;

  it('reads any sub-range of intraday candles in one query, skipping expired items unless asked for them', async () => {
    await store('AAPL', '2026-11-24T14:30:00.000Z', NOW_SEC + 60);
    await store('AAPL', '2026-11-25T14:30:00.000Z', NOW_SEC - 60);
    await store('AAPL', '2026-11-27T14:30:00.000Z', NOW_SEC + 60);
    const span = { start: '2026-11-25', end: '2026-11-27' };

    const fresh = await candlesOf('AAPL', '5', span, read);
    const all = await candlesOf('AAPL', '5', span, { ...read, includeExpired: true });

    expect(fresh.map((s) => s.candle.time)).toEqual(['2026-11-27T14:30:00.000Z']);
    expect(all.map((s) => s.candle.time)).toEqual(['2026-11-25T14:30:00.000Z', '2026-11-27T14:30:00.000Z']);
  });

  it('reads a range\'s candles and coverage in one Query, none of the neighbouring sessions', async () => {
    const coverage = (date: string) => ({ date, fetchedAt: 1, complete: true, source: 'tiingo' as const, epoch: 0 });
    const days = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-27'];
    await repository.putAll(
      days.flatMap((day) => [
        toCandleItem('META', 'D', stored(day), NOW_SEC + 60),
        toCoverageItem('META', 'D', coverage(day), NOW_SEC + 60),
        toCandleItem('META', '15', stored(`${day}T14:30:00.000Z`), NOW_SEC + 60),
        toCandleItem('META', '15', stored(`${day}T20:45:00.000Z`), NOW_SEC + 60),
        toCoverageItem('META', '15', coverage(day), NOW_SEC + 60),
      ]),
      jest.fn(),
    );
    const span = { start: '2026-11-24', end: '2026-11-25' };
    const queriesBefore = requests.count;

    const daily = await repository.range('META', 'D', span, read);
    const intraday = await repository.range('META', '15', span, read);

    expect(requests.count - queriesBefore).toBe(2);
    expect(daily.candles.map((s) => s.candle.time)).toEqual(['2026-11-24', '2026-11-25']);
    expect(daily.coverage.map((c) => c.date)).toEqual(['2026-11-24', '2026-11-25']);
    expect(intraday.candles.map((s) => s.candle.time)).toEqual([
      '2026-11-24T14:30:00.000Z',
      '2026-11-24T20:45:00.000Z',
      '2026-11-25T14:30:00.000Z',
      '2026-11-25T20:45:00.000Z',
    ]);
    expect(intraday.coverage).toEqual([coverage('2026-11-24'), coverage('2026-11-25')]);
  });

  it('reads the partition of one epoch only', async () => {
    await store('AMZN', '2026-11-24T14:30:00.000Z', NOW_SEC + 60, 1);
    await store('AMZN', '2026-11-24T14:35:00.000Z', NOW_SEC + 60, 2);
    const span = { start: '2026-11-24', end: '2026-11-24' };

    const atTwo = await candlesOf('AMZN', '5', span, { ...read, epoch: 2 });

    expect(atTwo.map((s) => s.candle.time)).toEqual(['2026-11-24T14:35:00.000Z']);
  });

  it('gives a lock to one acquisition at a time, to another once the lease ran out, and lets only its holder release it', async () => {
    const pk = lockPk('MSFT', 'D', { start: '2026-11-02', end: '2026-11-06' }, '2026-11-30', 0);
    const t0 = Date.now();

    expect(await control.tryAcquireLock(pk, 'a', t0, 10_000)).toBe(true);
    expect(await control.tryAcquireLock(pk, 'b', t0 + 1, 10_000)).toBe(false);
    expect(await control.tryAcquireLock(pk, 'b', t0 + 10_001, 10_000)).toBe(true);
    await control.releaseLock(pk, 'a');
    expect(await control.tryAcquireLock(pk, 'c', t0 + 10_002, 10_000)).toBe(false);
    await control.releaseLock(pk, 'b');
    expect(await control.tryAcquireLock(pk, 'c', t0 + 10_003, 10_000)).toBe(true);
  });

  it('bumps the epoch in one write and purges only items of older epochs, of that ticker only', async () => {
    await repository.putAll(
      [
        toCandleItem('NVDA', 'D', stored('2026-11-02'), NOW_SEC + 60),
        toCoverageItem('NVDA', 'D', { date: '2026-11-02', fetchedAt: 1, complete: true, source: 'tiingo', epoch: 0 }, NOW_SEC + 60),
        toCandleItem('NVDA', '60', stored('2026-11-02T14:30:00.000Z'), NOW_SEC + 60),
        toCandleItem('NVDAX', 'D', stored('2026-11-02'), NOW_SEC + 60),
      ],
      jest.fn(),
    );
    const before = await control.readControl('NVDA');
    const epoch = await control.bumpEpoch('NVDA');
    // Written after the invalidation at a key an old item had: the purge must not touch it.
    await repository.putAll([toCandleItem('NVDA', 'D', stored('2026-11-02', epoch), NOW_SEC + 60)], jest.fn());

    expect(epoch).toBe(before.epoch + 1);
    expect(await repository.purgeBefore('NVDA', epoch, jest.fn(), {})).toBe(3);
    const span = { start: '2026-11-02', end: '2026-11-03' };
    expect((await candlesOf('NVDA', 'D', span, { ...read, epoch })).map((s) => s.candle.time)).toEqual(['2026-11-02']);
    expect(await candlesOf('NVDA', 'D', span, read)).toEqual([]);
    expect((await repository.range('NVDA', 'D', span, read)).coverage).toEqual([]);
    expect(await candlesOf('NVDAX', 'D', span, read)).toHaveLength(1);
  });

  it('keeps control items apart from candles whatever the ticker is called', async () => {
    await repository.putAll([toCandleItem('EPOCH', 'D', stored('2026-11-02'), NOW_SEC + 60)], jest.fn());
    const epoch = await control.bumpEpoch('D');

    await repository.purgeBefore('EPOCH', 1, jest.fn(), {});

    expect((await control.readControl('D')).epoch).toBe(epoch);
  });

  it('remembers until when the providers do not know a ticker, and forgets it on invalidation', async () => {
    await control.markUnknown('ZZZQ', 12345);
    expect((await control.readControl('ZZZQ')).unknownUntil).toBe(12345);

    await control.bumpEpoch('ZZZQ');

    expect(await control.readControl('ZZZQ')).toEqual({ epoch: 1, unknownUntil: 0 });
  });
});
