import type { Provider } from '@nestjs/common';
import { FinnhubProvider } from './finnhub.provider';
import { MARKET_DATA_PROVIDERS, MarketDataProvider } from './market-data-provider';
import { MarketDataService } from './market-data.service';
import { TiingoProvider } from './tiingo.provider';

export { FinnhubProvider } from './finnhub.provider';
export { MARKET_DATA_PROVIDERS, type MarketDataProvider } from './market-data-provider';
export { MarketDataService } from './market-data.service';
export { ProviderHttpError } from './provider-http';
export { TiingoProvider } from './tiingo.provider';

/**
 * Spread into the OHLC module's `providers`. Needs from the surrounding module/app: Settings,
 * MarketCalendar (class token), ResilienceService, QuotaService, MetricsRegistry, nestjs-pino.
 */
export const marketDataProviders: Provider[] = [
  TiingoProvider,
  FinnhubProvider,
  {
    provide: MARKET_DATA_PROVIDERS,
    // Priority order: the first provider that can answer wins.
    useFactory: (tiingo: TiingoProvider, finnhub: FinnhubProvider): MarketDataProvider[] => [tiingo, finnhub],
    inject: [TiingoProvider, FinnhubProvider],
  },
  MarketDataService,
];
