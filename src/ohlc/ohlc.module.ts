import { Module } from '@nestjs/common';
import { FetchLock } from './cache/fetch-lock';
import { GapFiller } from './cache/gap-filler';
import { InvalidationEpochs } from './cache/invalidation-epochs';
import { MemoryCandleCache } from './cache/memory-candle.cache';
import { OhlcCacheRepository } from './cache/ohlc-cache.repository';
import { OhlcReadThroughCache } from './cache/ohlc-read-through.cache';
import { WriteBehindQueue } from './cache/write-behind';
import { MarketCalendar } from './market-calendar';
import { OhlcClock } from './ohlc-clock';
import { OhlcController } from './ohlc.controller';
import { OhlcMetrics } from './ohlc.metrics';
import { OhlcService } from './ohlc.service';
import { liveControllers, liveProviders } from './live/live.providers';
import { marketDataProviders } from './providers';

@Module({
  controllers: [OhlcController, ...liveControllers],
  providers: [
    OhlcClock,
    // The calendar follows OhlcClock, so a test that replaces the clock moves "today" with it.
    { provide: MarketCalendar, useFactory: (clock: OhlcClock) => new MarketCalendar(() => clock.now()), inject: [OhlcClock] },
    ...marketDataProviders,
    OhlcMetrics,
    MemoryCandleCache,
    OhlcCacheRepository,
    FetchLock,
    WriteBehindQueue,
    InvalidationEpochs,
    GapFiller,
    OhlcReadThroughCache,
    OhlcService,
    ...liveProviders,
  ],
})
export class OhlcModule {}
