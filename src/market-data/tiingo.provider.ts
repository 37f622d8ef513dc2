import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Settings } from '../config/settings';
import { MarketCalendar } from '../market-calendar/market-calendar';
import { TickerNotFoundError } from './market-data.errors';
import type { Candle, DateSpan, Resolution } from '../ohlc/candle.model';
import { mapBars, RawBar } from './candle-mapping';
import type { MarketDataProvider } from './market-data-provider';
import { getJson, MALFORMED_RESPONSE_STATUS, ProviderHttpError, providerUrl } from './provider-http';

const RESAMPLE_FREQ: Readonly<Record<Exclude<Resolution, 'D'>, string>> = {
  '1': '1min',
  '5': '5min',
  '15': '15min',
  '30': '30min',
  '60': '1hour',
};

/** Tiingo end-of-day (`/tiingo/daily`) and IEX intraday (`/iex`) prices; the primary provider. */
@Injectable()
export class TiingoProvider implements MarketDataProvider {
  readonly name = 'tiingo' as const;
  private readonly apiKey: string;
  private readonly baseUrl: string;

  constructor(
    settings: Settings,
    private readonly calendar: MarketCalendar,
    @InjectPinoLogger(TiingoProvider.name) private readonly logger: PinoLogger,
  ) {
    this.apiKey = settings.providers.tiingo.apiKey ?? '';
    this.baseUrl = settings.providers.tiingo.baseUrl;
  }

  /** A provider without an API key is disabled (API.md). */
  get enabled(): boolean {
    return this.apiKey !== '';
  }

  async fetchCandles(ticker: string, resolution: Resolution, span: DateSpan, signal: AbortSignal): Promise<Candle[]> {
    const url = this.urlFor(ticker, resolution, span);
    const body = await getJson(this.name, url, { headers: { Authorization: `Token ${this.apiKey}` }, signal }, (status) =>
      // Tiingo answers 404 only for symbols it does not carry.
      status === 404 ? new TickerNotFoundError(ticker) : undefined,
    );
    if (!Array.isArray(body)) {
      throw new ProviderHttpError(this.name, MALFORMED_RESPONSE_STATUS, url.pathname, undefined, 'sent a body that is not an array');
    }
    const rows = body.map((row) => toRawBar(row, resolution));
    const { candles, malformed } = mapBars(rows, resolution, span, this.calendar);
    if (malformed > 0) this.logger.warn({ provider: this.name, ticker, resolution, malformed }, 'dropped malformed candles');
    return candles;
  }

  private urlFor(ticker: string, resolution: Resolution, span: DateSpan): URL {
    const symbol = encodeURIComponent(ticker);
    const path = resolution === 'D' ? `/tiingo/daily/${symbol}/prices` : `/iex/${symbol}/prices`;
    const url = providerUrl(this.baseUrl, path);
    url.searchParams.set('startDate', span.start);
    url.searchParams.set('endDate', span.end);
    if (resolution !== 'D') {
      url.searchParams.set('resampleFreq', RESAMPLE_FREQ[resolution]);
      // IEX leaves volume out unless asked for it.
      url.searchParams.set('columns', 'open,high,low,close,volume');
    }
    return url;
  }
}

/** Daily rows carry the session date as `YYYY-MM-DDT00:00:00.000Z`; intraday rows the bar start. */
function toRawBar(row: unknown, resolution: Resolution): RawBar {
  const record = typeof row === 'object' && row !== null ? (row as Record<string, unknown>) : {};
  const date = typeof record.date === 'string' ? record.date : undefined;
  return {
    at: resolution === 'D' ? date : date === undefined ? undefined : Date.parse(date),
    open: record.open,
    high: record.high,
    low: record.low,
    close: record.close,
    volume: record.volume,
  };
}
