import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RequestContexts } from '../../common/http/request-context';
import { CircuitBreakerRegistry } from '../../resilience/circuit-breaker.registry';
import { Deadline, deadlineIn } from '../../resilience/deadline';
import { MarketCalendar } from '../../market-calendar/market-calendar';
import { Clock } from '../../resilience/clock';
import { OhlcMetrics } from '../ohlc.metrics';
import { CandlePiece, pieceOf, sessionDateOf } from '../candle.model';
import type { Candle, DateSpan, MarketDataSource, Resolution } from '../candle.model';
import { expiresAtSeconds, isCoverageValid, isSessionComplete } from './coverage-plan';
import { lockPk, TickerControl, toCandleItem, toCoverageItem } from './ohlc-cache.items';
import { OhlcCacheRepository } from './ohlc-cache.repository';
import { OhlcControlRepository } from './ohlc-control.repository';
import { OHLC_CACHE_CIRCUIT } from './ohlc-table.repository';

/** What DynamoDB holds of a range at one epoch: the valid cached candles and the sessions they vouch for. */
export interface CachedRange {
  readonly cached: CandlePiece | undefined;
  readonly covered: ReadonlySet<string>;
}

/** One acquisition of a fetch lock: only the holder of `token` can release it. */
export interface FetchLease {
  readonly pk: string;
  readonly token: string;
}

/** How long a stale read may extend a request whose providers used up its deadline. */
const STALE_READ_BUDGET_MS = 1000;

/**
 * Layer 2, the only place that knows DynamoDB item and key shapes and the `dynamodb` breaker:
 * the pipeline asks for ranges, writes fetches, takes locks and reads control items here.
 */
@Injectable()
export class CandleStore {
  constructor(
    private readonly repository: OhlcCacheRepository,
    private readonly control: OhlcControlRepository,
    private readonly calendar: MarketCalendar,
    private readonly clock: Clock,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly metrics: OhlcMetrics,
  ) {}

  /**
   * False while the breaker refuses calls: the pipeline then goes straight to the providers. True
   * again once the cool-down has run out, so the next read (or epoch refresh) is the probe.
   */
  usable(): boolean {
    return this.breakers.permitsCall(OHLC_CACHE_CIRCUIT);
  }

  /** Coverage and candles in one Query: a hit needs both, and on a miss it finds nothing fast. */
  async read(ticker: string, resolution: Resolution, span: DateSpan, epoch: number, consistent = false): Promise<CachedRange> {
    const now = this.clock.now().getTime();
    const { coverage: records, candles: stored } = await this.repository.range(ticker, resolution, span, { nowSec: Math.floor(now / 1000), epoch, consistent });
    const coverage = records.filter((record) => isCoverageValid(record, now));
    const covered = new Set(coverage.map((record) => record.date));
    if (coverage.length === 0) return { cached: undefined, covered };
    const candles = stored.filter((s) => covered.has(sessionDateOf(s.candle, resolution, this.calendar))).map((s) => s.candle);
    return { cached: pieceOf(candles, coverage), covered };
  }

  /**
   * The newest copy at `epoch`, expired items included (DynamoDB deletes them lazily), for answering
   * while every provider is down. A budget of its own: hung providers may have used the request's.
   */
  async staleCopy(ticker: string, resolution: Resolution, span: DateSpan, epoch: number): Promise<CandlePiece | undefined> {
    if (!this.usable()) return undefined;
    const nowSec = Math.floor(this.clock.now().getTime() / 1000);
    // What is left of the request's deadline, but at least STALE_READ_BUDGET_MS.
    const left = (RequestContexts.current()?.deadlineAt ?? 0) - Date.now();
    const deadline = deadlineIn(Math.max(STALE_READ_BUDGET_MS, left));
    const { candles: stored } = await this.repository.range(ticker, resolution, span, { nowSec, includeExpired: true, epoch, deadline });
    return stored.length === 0 ? undefined : pieceOf(stored.map((s) => s.candle), stored);
  }

  /** Candles first, coverage only once every one of them is stored: a partial write never becomes a hit. */
  async write(fetch: StoredFetch, deadline: Deadline): Promise<void> {
    const { ticker, resolution, days, candles, source, fetchedAt, epoch } = fetch;
    const fetchTime = new Date(fetchedAt);
    const closed = new Map(days.map((day) => [day, this.calendar.isSessionClosed(day, fetchTime)]));
    const onUnprocessed = (count: number): void => this.metrics.unprocessedItems.inc(count);
    const candleItems = candles.map((candle) => {
      const sessionClosed = closed.get(sessionDateOf(candle, resolution, this.calendar)) ?? true;
      return toCandleItem(ticker, resolution, { candle, source, fetchedAt, epoch }, expiresAtSeconds(sessionClosed, fetchedAt));
    });
    await this.repository.putAll(candleItems, onUnprocessed, { deadline });
    const newest = candles.at(-1);
    const lastCandleDay = newest === undefined ? undefined : sessionDateOf(newest, resolution, this.calendar);
    const coverageItems = days.map((date) => {
      // Not yet published counts as open: valid (and kept) for 5 minutes only.
      const complete = isSessionComplete(date, closed.get(date) ?? true, lastCandleDay);
      return toCoverageItem(ticker, resolution, { date, fetchedAt, complete, source, epoch }, expiresAtSeconds(complete, fetchedAt));
    });
    await this.repository.putAll(coverageItems, onUnprocessed, { deadline });
  }

  /** The lock of one gap at one epoch (a lock of an older epoch never makes a newer request wait). */
  async acquireLock(ticker: string, resolution: Resolution, gap: DateSpan, epoch: number, leaseMs: number): Promise<FetchLease | undefined> {
    const lease = { pk: lockPk(ticker, resolution, gap, this.calendar.marketToday(), epoch), token: randomUUID() };
    // Leases use the wall clock, not the market clock: they are about instances racing right now.
    return (await this.control.tryAcquireLock(lease.pk, lease.token, Date.now(), leaseMs)) ? lease : undefined;
  }

  releaseLock(lease: FetchLease, deadline: Deadline): Promise<void> {
    return this.control.releaseLock(lease.pk, lease.token, { deadline });
  }

  readControl(ticker: string, deadline?: Deadline): Promise<TickerControl> {
    return this.control.readControl(ticker, deadline && { deadline });
  }

  bumpEpoch(ticker: string): Promise<number> {
    return this.control.bumpEpoch(ticker);
  }

  markUnknown(ticker: string, untilMs: number, deadline: Deadline): Promise<void> {
    return this.control.markUnknown(ticker, untilMs, { deadline });
  }

  purgeBefore(ticker: string, epoch: number, deadline: Deadline): Promise<number> {
    return this.repository.purgeBefore(ticker, epoch, (count) => this.metrics.unprocessedItems.inc(count), { deadline });
  }
}

/** One upstream fetch of a gap, as the store writes it. */
export interface StoredFetch {
  readonly ticker: string;
  readonly resolution: Resolution;
  /** The gap's trading days: each gets a coverage record. */
  readonly days: readonly string[];
  readonly candles: readonly Candle[];
  readonly source: MarketDataSource;
  readonly fetchedAt: number;
  readonly epoch: number;
}
