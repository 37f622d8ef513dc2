import type { Candle, DateSpan, MarketDataSource, Resolution } from '../ohlc.types';

/**
 * Item layouts of OHLC_CACHE_TABLE (all share `pk`/`sk` and the TTL attribute `expires_at`):
 * - candle:   pk `{TICKER}#{resolution}`          sk candle time (`YYYY-MM-DD` or UTC ISO)
 * - coverage: pk `COVERAGE#{TICKER}#{resolution}` sk session date
 * - lock:     pk `LOCK#{TICKER}#{resolution}#{gap start}#{gap end}#{ET anchor date}` sk `LOCK`
 * - epoch:    pk `EPOCH#{TICKER}`                  sk `EPOCH`
 */
export const candlePk = (ticker: string, resolution: Resolution): string => `${ticker}#${resolution}`;
export const coveragePk = (ticker: string, resolution: Resolution): string => `COVERAGE#${ticker}#${resolution}`;
export const epochPk = (ticker: string): string => `EPOCH#${ticker}`;
export const EPOCH_SK = 'EPOCH';
export const LOCK_SK = 'LOCK';

export function lockPk(ticker: string, resolution: Resolution, gap: DateSpan, anchorDate: string): string {
  return `LOCK#${ticker}#${resolution}#${gap.start}#${gap.end}#${anchorDate}`;
}

/** Sort-key bounds covering every candle of the span's dates (intraday bars keep their ET date in UTC). */
export function candleSortKeyBounds(resolution: Resolution, span: DateSpan): [string, string] {
  return resolution === 'D' ? [span.start, span.end] : [`${span.start}T00:00:00.000Z`, `${span.end}T23:59:59.999Z`];
}

export interface StoredCandle {
  readonly candle: Candle;
  readonly source: MarketDataSource;
  readonly fetchedAt: number;
}

export interface CoverageRecord {
  readonly date: string;
  /** Epoch ms of the upstream fetch. */
  readonly fetchedAt: number;
  /** Fetched after the session closed: it can never change. */
  readonly complete: boolean;
  readonly source: MarketDataSource;
}

export type Item = Record<string, unknown>;

export function toCandleItem(ticker: string, resolution: Resolution, stored: StoredCandle, expiresAtSec: number): Item {
  const { candle } = stored;
  return {
    pk: candlePk(ticker, resolution),
    sk: candle.time,
    open: candle.open,
    high: candle.high,
    low: candle.low,
    close: candle.close,
    volume: candle.volume,
    source: stored.source,
    fetched_at: stored.fetchedAt,
    expires_at: expiresAtSec,
  };
}

export function fromCandleItem(item: Item): StoredCandle {
  return {
    candle: {
      time: String(item.sk),
      open: Number(item.open),
      high: Number(item.high),
      low: Number(item.low),
      close: Number(item.close),
      volume: Math.round(Number(item.volume ?? 0)),
    },
    source: item.source === 'finnhub' ? 'finnhub' : 'tiingo',
    fetchedAt: Number(item.fetched_at),
  };
}

export function toCoverageItem(ticker: string, resolution: Resolution, record: CoverageRecord, expiresAtSec: number): Item {
  return {
    pk: coveragePk(ticker, resolution),
    sk: record.date,
    fetched_at: record.fetchedAt,
    complete: record.complete,
    source: record.source,
    expires_at: expiresAtSec,
  };
}

export function fromCoverageItem(item: Item): CoverageRecord {
  return {
    date: String(item.sk),
    fetchedAt: Number(item.fetched_at),
    complete: item.complete === true,
    source: item.source === 'finnhub' ? 'finnhub' : 'tiingo',
  };
}
