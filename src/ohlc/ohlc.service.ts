import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { InvalidationEpochs } from './cache/invalidation-epochs';
import { memoryKey, MemoryCandleCache } from './cache/memory-candle.cache';
import { isSessionComplete, OPEN_SESSION_VALIDITY_MS } from './cache/coverage-plan';
import { OhlcCacheRepository } from './cache/ohlc-cache.repository';
import { OhlcReadThroughCache } from './cache/ohlc-read-through.cache';
import { MarketCalendar } from './market-calendar';
import { OhlcClock } from './ohlc-clock';
import { isMarketDataOutage } from './ohlc.errors';
import { OhlcMetrics } from './ohlc.metrics';
import type { OhlcResult } from './ohlc.model';
import type { DateSpan, Resolution } from './ohlc.types';

/** Memory lifetime of a range whose sessions have all closed: they never change; bytes bound the cache. */
export const COMPLETE_RANGE_MEMORY_TTL_MS = 24 * 3600_000;
const MIN_MEMORY_TTL_MS = 1000;

/**
 * OHLC candles through three layers: memory (checked against the ticker's invalidation epoch),
 * DynamoDB, then the providers. Identical concurrent requests share one load; when every provider
 * is down the newest cached copy is served as `stale`.
 */
@Injectable()
export class OhlcService {
  private readonly inFlight = new Map<string, Promise<OhlcResult>>();

  constructor(
    private readonly memory: MemoryCandleCache,
    private readonly layers: OhlcReadThroughCache,
    private readonly epochs: InvalidationEpochs,
    private readonly repository: OhlcCacheRepository,
    private readonly calendar: MarketCalendar,
    private readonly clock: OhlcClock,
    private readonly metrics: OhlcMetrics,
    @InjectPinoLogger(OhlcService.name) private readonly logger: PinoLogger,
  ) {}

  async candles(ticker: string, resolution: Resolution, span: DateSpan): Promise<OhlcResult> {
    const key = memoryKey(ticker, resolution, span);
    const epoch = await this.epochs.current(ticker, this.layers.dynamodbUsable());
    const hit = this.memory.get(key);
    if (hit && hit.epoch !== epoch && epoch !== undefined) this.memory.delete(key);
    else if (hit && hit.staleAt > this.clock.now().getTime()) return this.served({ ...hit, layer: 'in-memory' });

    let load = this.inFlight.get(key);
    if (!load) {
      load = this.loadAndRemember(key, ticker, resolution, span, epoch).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, load);
    }
    return this.served(await load);
  }

  /** Admin: every layer of every instance forgets the ticker (others within the epoch's max age). */
  async invalidate(ticker: string): Promise<void> {
    this.memory.deleteTicker(ticker);
    const deleted = await this.repository.deleteTicker(ticker, (count) => this.metrics.unprocessedItems.inc(count));
    const epoch = await this.repository.bumpEpoch(ticker);
    this.epochs.remember(ticker, epoch);
    // A load that started before the delete may have filled memory meanwhile.
    this.memory.deleteTicker(ticker);
    this.logger.info({ ticker, deleted_items: deleted, epoch }, 'OHLC cache invalidated');
  }

  private async loadAndRemember(
    key: string,
    ticker: string,
    resolution: Resolution,
    span: DateSpan,
    epoch: number | undefined,
  ): Promise<OhlcResult> {
    let result: OhlcResult;
    try {
      result = await this.layers.load(ticker, resolution, span);
    } catch (error) {
      if (!isMarketDataOutage(error)) throw error;
      const stale = this.memory.peekStale(key) ?? (await this.layers.staleCopy(ticker, resolution, span));
      if (!stale) throw error;
      this.logger.warn({ ticker, resolution, fetched_at: new Date(stale.fetchedAt).toISOString() }, 'providers down; serving a stale copy');
      return { candles: stale.candles, source: stale.source, fetchedAt: stale.fetchedAt, layer: 'stale' };
    }
    const ttlMs = this.memoryTtlMs(span, resolution, result);
    const entry = { ticker, candles: result.candles, source: result.source, fetchedAt: result.fetchedAt, epoch };
    this.memory.set(key, { ...entry, staleAt: this.clock.now().getTime() + ttlMs }, ttlMs);
    this.metrics.memoryBytes.set(this.memory.sizeBytes);
    return result;
  }

  /**
   * A range with a session that can still change (open, or closed without its end-of-day data yet)
   * lives at most as long as its fetch stays valid.
   */
  private memoryTtlMs(span: DateSpan, resolution: Resolution, result: OhlcResult): number {
    const now = this.clock.now();
    const newest = result.candles.at(-1);
    const lastCandleDay = newest === undefined ? undefined : resolution === 'D' ? newest.time : this.calendar.marketDateOf(new Date(newest.time));
    const open = this.calendar
      .tradingDays(span.start, span.end)
      .some((day) => !isSessionComplete(day, this.calendar.isSessionClosed(day, now), lastCandleDay));
    if (!open) return COMPLETE_RANGE_MEMORY_TTL_MS;
    return Math.max(MIN_MEMORY_TTL_MS, OPEN_SESSION_VALIDITY_MS - (now.getTime() - result.fetchedAt));
  }

  private served(result: OhlcResult): OhlcResult {
    this.metrics.requests.inc({ source: result.layer });
    return result;
  }
}
