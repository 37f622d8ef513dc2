import type { Candle, DateSpan, MarketDataSource, Resolution } from '../candle.model';

/**
 * Item layouts of OHLC_CACHE_TABLE (all share `pk`/`sk`; `expires_at` is the TTL attribute).
 * Every partition key starts with a fixed prefix, so no ticker can name another kind of item
 * (before, ticker `EPOCH` at resolution `D` shared the partition of `D`'s epoch):
 * - candle:   pk `SERIES#{TICKER}#{resolution}#{epoch}`   sk candle time (`YYYY-MM-DD` or UTC ISO)
 * - coverage: the same pk as the candles,                 sk `{session date}#COVERAGE`
 * - lock:     pk `LOCK#{TICKER}#{resolution}#{gap start}#{gap end}#{ET anchor date}#{epoch}` sk `LOCK`
 * - control:  pk `EPOCH#{TICKER}`                  sk `EPOCH` (invalidation epoch, "unknown until")
 * - live bars: pk `LIVE#{TICKER}#{resolution}`     sk session date (lease, poll schedule and bars
 *   of the live stream; layout in ohlc/live/live-bars.items.ts)
 * - live slots: pk `LIVE_USER#{sub}`               sk `STREAMS` (a user's open streams cluster-wide)
 * Candles and coverage live in the partition of the epoch they were fetched under, so a read at
 * an epoch never sees older items, and a purge of older partitions can never delete an item
 * written after the invalidation. Coverage sorts right after its session's candles (`#` sorts
 * before `T` and after every date), so one Query over a range returns both: a DynamoDB-layer
 * hit is one round trip. Items of the former layouts (`{TICKER}#{resolution}`, `CANDLE#…` and
 * `COVERAGE#{TICKER}#{resolution}…`) are never read again and leave by their TTL: no migration.
 * The prefix changed with the layout (`CANDLE#` → `SERIES#`) because the previous version's
 * candle Query would take coverage items in a shared partition for candles (its stale path does
 * not filter them): during a rolling deploy or after a rollback each version reads only its own.
 */
export const candlePk = (ticker: string, resolution: Resolution, epoch: number): string => `SERIES#${ticker}#${resolution}#${epoch}`;
export const controlPk = (ticker: string): string => `EPOCH#${ticker}`;
export const CONTROL_SK = 'EPOCH';
export const livePk = (ticker: string, resolution: Resolution): string => `LIVE#${ticker}#${resolution}`;
export const liveUserPk = (userId: string): string => `LIVE_USER#${userId}`;
export const LIVE_USER_SK = 'STREAMS';
export const LOCK_SK = 'LOCK';

export function lockPk(ticker: string, resolution: Resolution, gap: DateSpan, anchorDate: string, epoch: number): string {
  return `LOCK#${ticker}#${resolution}#${gap.start}#${gap.end}#${anchorDate}#${epoch}`;
}

const COVERAGE_SK_SUFFIX = '#COVERAGE';
export const coverageSk = (date: string): string => `${date}${COVERAGE_SK_SUFFIX}`;
export const isCoverageItem = (item: Item): boolean => String(item.sk).endsWith(COVERAGE_SK_SUFFIX);

/**
 * Sort-key bounds covering every candle and coverage record of the span's dates (intraday bars
 * keep their ET date in UTC): from the first date itself to the last one's coverage (daily) or
 * last instant (intraday, whose `T…` sorts after `#COVERAGE`).
 */
export function rangeSortKeyBounds(resolution: Resolution, span: DateSpan): [string, string] {
  return [span.start, resolution === 'D' ? coverageSk(span.end) : `${span.end}T23:59:59.999Z`];
}

export interface StoredCandle {
  readonly candle: Candle;
  readonly source: MarketDataSource;
  readonly fetchedAt: number;
  readonly epoch: number;
}

export interface CoverageRecord {
  readonly date: string;
  /** Epoch ms of the upstream fetch. */
  readonly fetchedAt: number;
  /** Fetched after the session closed: it can never change. */
  readonly complete: boolean;
  readonly source: MarketDataSource;
  readonly epoch: number;
}

/** The per-ticker control item. */
export interface TickerControl {
  readonly epoch: number;
  /** Epoch ms until which the providers are known not to carry the ticker; 0 when not. */
  readonly unknownUntil: number;
}

export type Item = Record<string, unknown>;

export function toCandleItem(ticker: string, resolution: Resolution, stored: StoredCandle, expiresAtSec: number): Item {
  const { candle } = stored;
  return {
    pk: candlePk(ticker, resolution, stored.epoch),
    sk: candle.time,
    open: candle.open,
    high: candle.high,
    low: candle.low,
    close: candle.close,
    volume: candle.volume,
    source: stored.source,
    fetched_at: stored.fetchedAt,
    epoch: stored.epoch,
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
    source: sourceOf(item),
    fetchedAt: Number(item.fetched_at),
    epoch: Number(item.epoch),
  };
}

export function toCoverageItem(ticker: string, resolution: Resolution, record: CoverageRecord, expiresAtSec: number): Item {
  return {
    pk: candlePk(ticker, resolution, record.epoch),
    sk: coverageSk(record.date),
    fetched_at: record.fetchedAt,
    complete: record.complete,
    source: record.source,
    epoch: record.epoch,
    expires_at: expiresAtSec,
  };
}

export function fromCoverageItem(item: Item): CoverageRecord {
  return {
    date: String(item.sk).slice(0, -COVERAGE_SK_SUFFIX.length),
    fetchedAt: Number(item.fetched_at),
    complete: item.complete === true,
    source: sourceOf(item),
    epoch: Number(item.epoch),
  };
}

export function fromControlItem(item: Item | undefined): TickerControl {
  return { epoch: Number(item?.epoch ?? 0), unknownUntil: Number(item?.unknown_until ?? 0) };
}

function sourceOf(item: Item): MarketDataSource {
  return item.source === 'finnhub' ? 'finnhub' : 'tiingo';
}
