import { Module } from '@nestjs/common';
import { MarketCalendarModule } from '../market-calendar/market-calendar.module';
import { MarketDataModule } from '../market-data/market-data.module';
import { QuotaModule } from '../quota/quota.module';
import { ResilienceModule } from '../resilience/resilience.module';
import { TickerCacheModule } from '../tickers/ticker-cache.module';
import { FetchCoordinator } from './fetch/fetch-coordinator';
import { UpstreamAllowance } from './fetch/upstream-allowance';
import { WriteBehindQueue } from './fetch/write-behind';
import { MemoryCandleCache } from './memory/memory-candle.cache';
import { OhlcController } from './ohlc.controller';
import { OhlcMetrics } from './ohlc.metrics';
import { OhlcService } from './ohlc.service';
import { CachePurge } from './store/cache-purge';
import { CandleStore } from './store/candle-store';
import { OhlcCacheRepository } from './store/ohlc-cache.repository';
import { OhlcControlRepository } from './store/ohlc-control.repository';
import { TickerControls } from './store/ticker-controls';

/** The candle pipeline: memory → store → coordinated fetch (folders in that order). */
@Module({
  imports: [ResilienceModule, TickerCacheModule, QuotaModule, MarketCalendarModule, MarketDataModule],
  controllers: [OhlcController],
  providers: [
    OhlcMetrics,
    MemoryCandleCache,
    OhlcCacheRepository,
    OhlcControlRepository,
    CandleStore,
    TickerControls,
    CachePurge,
    WriteBehindQueue,
    UpstreamAllowance,
    FetchCoordinator,
    OhlcService,
  ],
})
export class OhlcModule {}
