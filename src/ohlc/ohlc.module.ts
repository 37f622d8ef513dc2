import { Module } from '@nestjs/common';
import { QuotaModule } from '../quota/quota.module';
import { ResilienceModule } from '../resilience/resilience.module';
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
import { Clock } from '../resilience/clock';
import { OhlcController } from './ohlc.controller';
import { OhlcMetrics } from './ohlc.metrics';
import { OhlcService } from './ohlc.service';
import { marketDataProviders } from './providers';

@Module({
  imports: [ResilienceModule, TickerCacheModule, QuotaModule],
  controllers: [OhlcController],
  providers: [
    // The calendar follows Clock, so a test that replaces the clock moves "today" with it.
    { provide: MarketCalendar, useFactory: (clock: Clock) => new MarketCalendar(() => clock.now()), inject: [Clock] },
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
