import { Module } from '@nestjs/common';
import { MarketCalendarModule } from '../market-calendar/market-calendar.module';
import { QuotaModule } from '../quota/quota.module';
import { ResilienceModule } from '../resilience/resilience.module';
import { FinnhubProvider } from './finnhub.provider';
import { MARKET_DATA_PROVIDERS, MarketDataProvider } from './market-data-provider';
import { MarketDataService } from './market-data.service';
import { TiingoProvider } from './tiingo.provider';

/** The upstream candle APIs (Tiingo, then Finnhub) behind one failover service. */
@Module({
  imports: [ResilienceModule, QuotaModule, MarketCalendarModule],
  providers: [
    TiingoProvider,
    FinnhubProvider,
    {
      provide: MARKET_DATA_PROVIDERS,
      // Priority order: the first provider that can answer wins.
      useFactory: (tiingo: TiingoProvider, finnhub: FinnhubProvider): MarketDataProvider[] => [tiingo, finnhub],
      inject: [TiingoProvider, FinnhubProvider],
    },
    MarketDataService,
  ],
  exports: [MarketDataService],
})
export class MarketDataModule {}
