import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Settings } from '../config/settings';
import { MARKET_ZONE, MarketCalendar } from '../market-calendar/market-calendar';
import type { Candle, DateSpan, Resolution } from '../ohlc/candle.model';
import { mapBars, RawBar } from './candle-mapping';
import type { MarketDataProvider } from './market-data-provider';
import { getJson, MALFORMED_RESPONSE_STATUS, ProviderHttpError, providerUrl } from './provider-http';

interface FinnhubCandles {
  readonly s?: unknown;
  readonly t?: unknown;
  readonly o?: unknown;
  readonly h?: unknown;
  readonly l?: unknown;
  readonly c?: unknown;
  readonly v?: unknown;
}

/**
 * Finnhub `/api/v1/stock/candle`; the secondary provider. Finnhub answers `no_data` both for an
 * empty range and for a symbol it does not know, so `no_data` maps to an empty list: only the
 * primary can say "unknown ticker", and a cache layer decides what an empty answer means.
 */
@Injectable()
export class FinnhubProvider implements MarketDataProvider {
  readonly name = 'finnhub' as const;
  private readonly apiKey: string;
  private readonly baseUrl: string;

  constructor(
    settings: Settings,
    private readonly calendar: MarketCalendar,
    @InjectPinoLogger(FinnhubProvider.name) private readonly logger: PinoLogger,
  ) {
    this.apiKey = settings.providers.finnhub.apiKey ?? '';
    this.baseUrl = settings.providers.finnhub.baseUrl;
  }

  /** A provider without an API key is disabled (API.md). */
  get enabled(): boolean {
    return this.apiKey !== '';
  }

  async fetchCandles(ticker: string, resolution: Resolution, span: DateSpan, signal: AbortSignal): Promise<Candle[]> {
    const url = providerUrl(this.baseUrl, '/api/v1/stock/candle');
    const [from, to] = epochBounds(resolution, span);
    url.searchParams.set('symbol', ticker);
    url.searchParams.set('resolution', resolution);
    url.searchParams.set('from', String(from));
    url.searchParams.set('to', String(to));
    // In a header, not `token=`: URLs end up in proxy, load-balancer and provider logs.
    const body = (await getJson(this.name, url, { headers: { 'X-Finnhub-Token': this.apiKey }, signal })) as FinnhubCandles | null;
    if (body?.s === 'no_data') return [];
    if (body?.s !== 'ok' || !Array.isArray(body.t)) {
      throw new ProviderHttpError(this.name, MALFORMED_RESPONSE_STATUS, url.pathname, undefined, 'sent an unreadable candle body');
    }
    const rows = toRawBars(body, body.t, resolution);
    const { candles, malformed } = mapBars(rows, resolution, span, this.calendar);
    if (malformed > 0) this.logger.warn({ provider: this.name, ticker, resolution, malformed }, 'dropped malformed candles');
    return candles;
  }
}

/**
 * Daily bars are stamped 00:00 UTC of the session date, so the daily window is whole UTC days;
 * intraday bars are real instants, so the window is whole New York days (the DST-safe way to
 * cover every session of the span).
 */
function epochBounds(resolution: Resolution, span: DateSpan): [number, number] {
  const zone = resolution === 'D' ? 'UTC' : MARKET_ZONE;
  const from = DateTime.fromISO(span.start, { zone }).startOf('day');
  const to = DateTime.fromISO(span.end, { zone }).endOf('day');
  return [Math.floor(from.toSeconds()), Math.floor(to.toSeconds())];
}

function toRawBars(body: FinnhubCandles, times: readonly unknown[], resolution: Resolution): RawBar[] {
  const column = (values: unknown): readonly unknown[] => (Array.isArray(values) ? values : []);
  const [o, h, l, c, v] = [column(body.o), column(body.h), column(body.l), column(body.c), column(body.v)];
  return times.map((t, i) => {
    const ms = typeof t === 'number' && Number.isFinite(t) ? t * 1000 : undefined;
    const at = ms === undefined ? undefined : resolution === 'D' ? new Date(ms).toISOString().slice(0, 10) : ms;
    return { at, open: o[i], high: h[i], low: l[i], close: c[i], volume: v[i] };
  });
}
