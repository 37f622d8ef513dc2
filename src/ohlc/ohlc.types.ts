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
