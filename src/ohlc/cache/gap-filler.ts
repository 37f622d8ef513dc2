import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { setTimeout as delay } from 'node:timers/promises';
import { MarketCalendar } from '../market-calendar';
import { OhlcClock } from '../ohlc-clock';
import { OhlcMetrics } from '../ohlc.metrics';
import type { CandlePiece } from '../ohlc.model';
import type { Candle, DateSpan, MarketDataSource, Resolution } from '../ohlc.types';
import { MarketDataService } from '../providers/market-data.service';
import { expiresAtSeconds, isCoverageValid, isSessionComplete } from './coverage-plan';
import { FetchLock } from './fetch-lock';
import { lockPk, StoredCandle, toCandleItem, toCoverageItem } from './ohlc-cache.items';
import { OhlcCacheRepository } from './ohlc-cache.repository';
import { WriteBehindQueue } from './write-behind';

export const LOCK_POLL_INTERVAL_MS = 200;
export const LOCK_WAIT_MS = 3000;

export interface FilledGap {
  readonly piece: CandlePiece;
  /** True when a provider was called; false when another instance's fetch was picked up. */
  readonly fromProvider: boolean;
}

/**
 * Fills one contiguous gap of missing sessions: takes the cross-instance lock (or waits for its
 * holder's coverage), calls the providers once, and stores candles, then coverage, behind the
 * response.
 */
@Injectable()
export class GapFiller {
  constructor(
    private readonly repository: OhlcCacheRepository,
    private readonly market: MarketDataService,
    private readonly calendar: MarketCalendar,
    private readonly clock: OhlcClock,
    private readonly lock: FetchLock,
    private readonly writes: WriteBehindQueue,
    private readonly metrics: OhlcMetrics,
    @InjectPinoLogger(GapFiller.name) private readonly logger: PinoLogger,
  ) {}

  /** `useDynamodb` false: straight to the providers, nothing locked or stored. */
  async fill(ticker: string, resolution: Resolution, gap: DateSpan, useDynamodb: boolean): Promise<FilledGap> {
    const days = this.calendar.tradingDays(gap.start, gap.end);
    const pk = lockPk(ticker, resolution, gap, this.calendar.marketToday());
    let held = false;
    if (useDynamodb) {
      // A lock that cannot be taken (DynamoDB failing) must not stop the request: fetch anyway.
      const outcome = await this.lock.tryAcquire(pk).then(
        (acquired) => (acquired ? 'acquired' : 'busy'),
        () => 'unavailable' as const,
      );
      held = outcome === 'acquired';
      if (outcome !== 'busy') this.metrics.fetchLocks.inc({ outcome });
      // Double-check: the previous holder may have stored the gap and released just before we took it.
      const picked = held
        ? await this.coveredPiece(ticker, resolution, gap, days).catch(() => undefined)
        : outcome === 'busy'
          ? await this.waitForHolder(ticker, resolution, gap, days)
          : undefined;
      if (picked) {
        if (held) this.writes.enqueue('release fetch lock', () => this.lock.release(pk, WriteBehindQueue.backgroundDeadline()));
        return { piece: picked, fromProvider: false };
      }
    }
    let fetched;
    try {
      fetched = await this.market.fetch(ticker, resolution, gap);
    } catch (error) {
      if (held) this.writes.enqueue('release fetch lock', () => this.lock.release(pk, WriteBehindQueue.backgroundDeadline()));
      throw error;
    }
    const fetchedAt = this.clock.now().getTime();
    const inGap = new Set(days);
    const candles = fetched.candles.filter((candle) => inGap.has(this.sessionDateOf(candle, resolution)));
    this.metrics.providerFetches.inc({ source: fetched.source });
    if (useDynamodb) {
      this.writes.enqueue('store candles', async () => {
        try {
          await this.store(ticker, resolution, days, candles, fetched.source, fetchedAt);
        } finally {
          // Released after the coverage is written, so waiters find it instead of fetching again.
          if (held) await this.lock.release(pk, WriteBehindQueue.backgroundDeadline());
        }
      });
    }
    return { piece: { candles, source: fetched.source, fetchedAt, newestFetchAt: fetchedAt }, fromProvider: true };
  }

  sessionDateOf(candle: Candle, resolution: Resolution): string {
    return resolution === 'D' ? candle.time : this.calendar.marketDateOf(new Date(candle.time));
  }

  /** Candles first, coverage only once every one of them is stored: a partial write never becomes a hit. */
  private async store(
    ticker: string,
    resolution: Resolution,
    days: readonly string[],
    candles: readonly Candle[],
    source: MarketDataSource,
    fetchedAt: number,
  ): Promise<void> {
    const fetchTime = new Date(fetchedAt);
    const closed = new Map(days.map((day) => [day, this.calendar.isSessionClosed(day, fetchTime)]));
    const onUnprocessed = (count: number): void => this.metrics.unprocessedItems.inc(count);
    const candleItems = candles.map((candle) => {
      const stored: StoredCandle = { candle, source, fetchedAt };
      return toCandleItem(ticker, resolution, stored, expiresAtSeconds(closed.get(this.sessionDateOf(candle, resolution)) ?? true, fetchedAt));
    });
    await this.repository.putAll(candleItems, onUnprocessed, WriteBehindQueue.backgroundDeadline());
    const lastCandleDay = candles.length > 0 ? this.sessionDateOf(candles[candles.length - 1], resolution) : undefined;
    const coverageItems = days.map((date) => {
      // Not yet published counts as open: valid (and kept) for 5 minutes only.
      const complete = isSessionComplete(date, closed.get(date) ?? true, lastCandleDay);
      return toCoverageItem(ticker, resolution, { date, fetchedAt, complete, source }, expiresAtSeconds(complete, fetchedAt));
    });
    await this.repository.putAll(coverageItems, onUnprocessed, WriteBehindQueue.backgroundDeadline());
  }

  /** The gap's candles when coverage (read strongly consistent) vouches for every session of it. */
  private async coveredPiece(ticker: string, resolution: Resolution, gap: DateSpan, days: readonly string[]): Promise<CandlePiece | undefined> {
    const now = this.clock.now();
    const nowSec = Math.floor(now.getTime() / 1000);
    const coverage = await this.repository.coverage(ticker, resolution, gap, { consistent: true, nowSec });
    const valid = coverage.filter((record) => isCoverageValid(record, now.getTime()));
    if (!days.every((day) => valid.some((record) => record.date === day))) return undefined;
    const stored = await this.repository.candles(ticker, resolution, gap, { consistent: true, nowSec });
    return pieceOf(stored.map((s) => s.candle), valid);
  }

  /**
   * Another instance holds the lock: poll its coverage with strongly consistent reads. Undefined
   * when it did not appear in time (or DynamoDB failed), and the caller fetches itself.
   */
  private async waitForHolder(ticker: string, resolution: Resolution, gap: DateSpan, days: readonly string[]): Promise<CandlePiece | undefined> {
    const giveUpAt = Date.now() + LOCK_WAIT_MS;
    try {
      while (Date.now() + LOCK_POLL_INTERVAL_MS <= giveUpAt) {
        await delay(LOCK_POLL_INTERVAL_MS);
        const piece = await this.coveredPiece(ticker, resolution, gap, days);
        if (!piece) continue;
        this.metrics.fetchLocks.inc({ outcome: 'waited_hit' });
        return piece;
      }
    } catch (error) {
      this.logger.warn({ ticker, resolution, error_name: error instanceof Error ? error.name : typeof error }, 'waiting for fetch lock holder failed');
    }
    this.metrics.fetchLocks.inc({ outcome: 'waited_timeout' });
    return undefined;
  }
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
