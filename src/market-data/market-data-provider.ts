import type { Candle, DateSpan, MarketDataSource, Resolution } from '../ohlc/candle.model';

/** Injection token of the provider list, in priority order (Tiingo first, then Finnhub). */
export const MARKET_DATA_PROVIDERS = Symbol('MARKET_DATA_PROVIDERS');

/**
 * One upstream candle API. Implementations only translate: they make exactly one HTTP request
 * with `signal`, map the wire format to `Candle` (oldest first, inside the span's sessions) and
 * throw `ProviderHttpError` (HTTP status + Retry-After) or `TickerNotFoundError`. Retries,
 * breakers, quota and failover belong to MarketDataService.
 */
export interface MarketDataProvider {
  readonly name: MarketDataSource;
  /** False when no API key is configured: the provider is never called. */
  readonly enabled: boolean;
  fetchCandles(ticker: string, resolution: Resolution, span: DateSpan, signal: AbortSignal): Promise<Candle[]>;
}
