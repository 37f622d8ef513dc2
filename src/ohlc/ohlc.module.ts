import { Module } from '@nestjs/common';
import { QuotaModule } from '../quota/quota.module';
import { TickerCacheModule } from '../tickers/ticker-cache.module';
import { CachePurge } from './cache/cache-purge';
import { CandleStore } from './cache/candle-store';
import { FetchCoordinator } from './cache/fetch-coordinator';
import { MemoryCandleCache } from './cache/memory-candle.cache';
import { OhlcCacheRepository } from './cache/ohlc-cache.repository';
import { TickerControls } from './cache/ticker-controls';
import { UpstreamAllowance } from './cache/upstream-allowance';
import { WriteBehindQueue } from './cache/write-behind';
import { MarketCalendar } from './market-calendar';
import { OhlcClock } from './ohlc-clock';
import { OhlcController } from './ohlc.controller';
import { OhlcMetrics } from './ohlc.metrics';
import { OhlcService } from './ohlc.service';
import { marketDataProviders } from './providers';

@Module({
  imports: [TickerCacheModule, QuotaModule],
  controllers: [OhlcController],
  providers: [
    OhlcClock,
    // The calendar follows OhlcClock, so a test that replaces the clock moves "today" with it.
    { provide: MarketCalendar, useFactory: (clock: OhlcClock) => new MarketCalendar(() => clock.now()), inject: [OhlcClock] },
    ...marketDataProviders,
    OhlcMetrics,
    MemoryCandleCache,
    OhlcCacheRepository,
    CandleStore,
    TickerControls,
    WriteBehindQueue,
    CachePurge,
    UpstreamAllowance,
    FetchCoordinator,
    OhlcService,
  ],
})
export class OhlcModule {}
