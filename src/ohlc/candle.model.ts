import type { MarketCalendar } from '../market-calendar/market-calendar';

/**
 * The candle model: one bar, what a provider returns, the pieces the pipeline joins and the
 * answer it labels. Providers, the store and the pipeline all speak these shapes.
 */

export const RESOLUTIONS = ['1', '5', '15', '30', '60', 'D'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** Longest span (calendar days, inclusive) a request may cover per resolution (API.md). */
export const MAX_SPAN_DAYS: Readonly<Record<Resolution, number>> = {
  '1': 7,
  '5': 30,
  '15': 90,
  '30': 90,
  '60': 180,
  D: 1825,
};

export type MarketDataSource = 'tiingo' | 'finnhub';

/**
 * One OHLC bar in the service's own shape, whatever the provider's wire format.
 * `time` is the session date `YYYY-MM-DD` for daily bars and the bar's start as a UTC ISO
 * timestamp (`2026-11-20T14:30:00.000Z`) for intraday bars. `volume` is an integer, never null.
 */
export interface Candle {
  readonly time: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** What one upstream fetch returns: candles oldest first, and who supplied them. */
export interface FetchedCandles {
  readonly source: MarketDataSource;
  readonly candles: readonly Candle[];
}

/** A span of whole ET market dates, both ends included (`YYYY-MM-DD`). */
export interface DateSpan {
  readonly start: string;
  readonly end: string;
}

/** Which layer answered: the header value of `X-Cache-Source`. */
export type CacheLayer = 'in-memory' | 'dynamodb' | MarketDataSource | 'stale';

/** Candles plus where they came from, before the HTTP mapping. */
export interface CandleSet {
  /** Oldest first, one per candle time. */
  readonly candles: readonly Candle[];
  /** Provider of the most recent upstream fetch among the pieces. */
  readonly source: MarketDataSource;
  /** Epoch ms of the oldest upstream fetch among the pieces (drives X-Cache-Age). */
  readonly fetchedAt: number;
}

export interface CandlePiece extends CandleSet {
  /** Epoch ms of the newest upstream fetch among the pieces (decides `source`). */
  readonly newestFetchAt: number;
}

export interface OhlcResult extends CandleSet {
  readonly layer: CacheLayer;
  /**
   * The serialized answer of exactly these candles (memory hits, and loads that entered memory,
   * carry it). Whatever changes the candles builds a result without it; the controller uses it
   * only on the object the service returned.
   */
  readonly body?: Buffer;
}

/** Joins pieces of one range: candles by time (later pieces win a tie), oldest fetch, newest source. */
export function mergePieces(pieces: readonly CandlePiece[]): CandlePiece {
  if (pieces.length === 0) throw new RangeError('mergePieces needs at least one piece');
  const byTime = new Map<string, Candle>();
  for (const piece of pieces) for (const candle of piece.candles) byTime.set(candle.time, candle);
  const newest = pieces.reduce((a, b) => (b.newestFetchAt > a.newestFetchAt ? b : a));
  return {
    candles: [...byTime.values()].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0)),
    source: newest.source,
    fetchedAt: Math.min(...pieces.map((p) => p.fetchedAt)),
    newestFetchAt: newest.newestFetchAt,
  };
}

/** The ET session a candle belongs to: its date for daily bars, the New York date of its start otherwise. */
export function sessionDateOf(candle: Candle, resolution: Resolution, calendar: MarketCalendar): string {
  return resolution === 'D' ? candle.time : calendar.marketDateOf(new Date(candle.time));
}

/** A piece served from coverage records: oldest fetch for the age, newest fetch for the source. */
export function pieceOf(candles: readonly Candle[], coverage: readonly { fetchedAt: number; source: MarketDataSource }[]): CandlePiece {
  const newest = coverage.reduce((a, b) => (b.fetchedAt > a.fetchedAt ? b : a));
  return {
    candles,
    source: newest.source,
    fetchedAt: Math.min(...coverage.map((record) => record.fetchedAt)),
    newestFetchAt: newest.fetchedAt,
  };
}
