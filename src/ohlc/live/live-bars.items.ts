import type { Candle, MarketDataSource, Resolution } from '../candle.model';

/**
 * The one DynamoDB item of a live (ticker, resolution, session) in OHLC_CACHE_TABLE, written by the
 * elected poller and read (strongly consistent) by every instance with subscribers:
 *
 *   pk `LIVE#{TICKER}#{resolution}`   sk session date `YYYY-MM-DD` (ET)
 *   holder        random token of the poller's current lease
 *   lease_until   epoch ms; after it another instance may take the lease over
 *   next_poll_at  epoch ms before which nobody in the cluster polls the provider again
 *   slowdown      1 normally; 2, 4, 8 while the quota cannot sustain OHLC_LIVE_POLL_SECONDS
 *   slow_until    epoch ms at which the slowdown ends (the denied quota window resets)
 *   bars          today's bars as JSON `[[time, open, high, low, close, volume], …]`, oldest first
 *   polled_at     epoch ms (market clock) of the provider answer the bars come from
 *   written_at    epoch ms (wall clock) of the write, for the fan-out lag
 *   version       +1 per write of bars
 *   epoch         the ticker's invalidation epoch when the bars were polled; bars of an older
 *                 epoch than the current one are never shown (an admin DELETE came after them)
 *   expires_at    TTL (seconds): two days after the session
 *
 * Lease and bars share one item, so one strongly consistent GetItem per read interval tells a
 * reader both what changed and whether the poller is still alive. Kept apart from the candle and
 * coverage items: the live item changes every poll, they are written once per fetch.
 */
export interface LiveKey {
  readonly ticker: string;
  readonly resolution: Exclude<Resolution, 'D'>;
  /** ET session date. */
  readonly date: string;
}

export interface LiveRecord {
  readonly holder?: string;
  readonly leaseUntil: number;
  readonly nextPollAt: number;
  readonly slowdown: number;
  readonly slowUntil: number;
  readonly bars: readonly Candle[];
  readonly polledAt: number;
  readonly writtenAt: number;
  readonly version: number;
  readonly epoch: number;
  readonly source: MarketDataSource;
}

export type Item = Record<string, unknown>;

export function encodeBars(bars: readonly Candle[]): string {
  return JSON.stringify(bars.map((b) => [b.time, b.open, b.high, b.low, b.close, b.volume]));
}

function decodeBars(value: unknown): Candle[] {
  if (typeof value !== 'string') return [];
  const rows = JSON.parse(value) as Array<[string, number, number, number, number, number]>;
  return rows.map(([time, open, high, low, close, volume]) => ({ time, open, high, low, close, volume }));
}

export function fromLiveItem(item: Item | undefined): LiveRecord | undefined {
  if (!item) return undefined;
  return {
    holder: typeof item.holder === 'string' ? item.holder : undefined,
    leaseUntil: Number(item.lease_until ?? 0),
    nextPollAt: Number(item.next_poll_at ?? 0),
    slowdown: Number(item.slowdown ?? 1),
    slowUntil: Number(item.slow_until ?? 0),
    bars: decodeBars(item.bars),
    polledAt: Number(item.polled_at ?? 0),
    writtenAt: Number(item.written_at ?? 0),
    version: Number(item.version ?? 0),
    epoch: Number(item.epoch ?? 0),
    source: item.source === 'finnhub' ? 'finnhub' : 'tiingo',
  };
}

/** Two days after the session's date: long enough for the OHLC route's overlay, then DynamoDB drops it. */
export function liveExpiresAtSec(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00.000Z`) / 1000) + 3 * 86_400;
}
