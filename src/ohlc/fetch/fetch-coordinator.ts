import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { setTimeout as delay } from 'node:timers/promises';
import { Settings } from '../../config/settings';
import { MarketCalendar } from '../../market-calendar/market-calendar';
import { Clock } from '../../resilience/clock';
import { TickerNotFoundError } from '../../market-data/market-data.errors';
import { OhlcMetrics } from '../ohlc.metrics';
import { CandlePiece, sessionDateOf } from '../candle.model';
import type { DateSpan, Resolution } from '../candle.model';
import { MarketDataService, ProviderPrepayment } from '../../market-data/market-data.service';
import { CandleStore, FetchLease, StoredFetch } from '../store/candle-store';
import { TickerControls } from '../store/ticker-controls';
import type { UpstreamCharge } from './upstream-allowance';
import { WRITE_DEADLINE_MS, WriteBehindQueue } from './write-behind';

export const LOCK_POLL_INTERVAL_MS = 200;
/** A waiter's own budget: after it, the waiter fetches itself rather than wait for a stuck holder. */
export const LOCK_WAIT_MS = 3000;

/** One request's view of a fetch: which ticker at which epoch, and how to charge its user. */
export interface FetchRequest {
  readonly ticker: string;
  readonly resolution: Resolution;
  readonly epoch: number;
  /** The user's upstream allowance: one unit per request that calls a provider (reserved ahead, see fill). */
  readonly charge: UpstreamCharge;
}

export interface FilledGap {
  readonly piece: CandlePiece;
  /** True when a provider was called; false when another instance's fetch was picked up. */
  readonly fromProvider: boolean;
}

/**
 * Fills one gap with one provider call in the whole cluster: the DynamoDB lease (a random token
 * per acquisition, held for the fetch and its write-behind) or, when another instance holds it,
 * waiting for its coverage. A 404 is remembered before the lock is released, so waiters see it.
 */
@Injectable()
export class FetchCoordinator {
  private readonly leaseMs: number;

  constructor(
    private readonly store: CandleStore,
    private readonly controls: TickerControls,
    private readonly market: MarketDataService,
    private readonly calendar: MarketCalendar,
    private readonly clock: Clock,
    private readonly writes: WriteBehindQueue,
    private readonly metrics: OhlcMetrics,
    settings: Settings,
    @InjectPinoLogger(FetchCoordinator.name) private readonly logger: PinoLogger,
  ) {
    // The longest a holder keeps it: the fetch (request deadline), then its write-behind.
    this.leaseMs = settings.requestDeadlineMs + WRITE_DEADLINE_MS + 1000;
  }

  /**
   * `useStore` false (DynamoDB unusable): straight to the providers, nothing locked or stored.
   * The user's unit and the provider's unit are reserved ahead, together and beside the re-check
   * once the lock is held, instead of one after the other before the provider call; a gap the
   * re-check finds stored gives them back (see ReservedAhead). The call itself waits for both.
   * Lock waiters reserve nothing until they give up waiting: most pick the holder's fetch up.
   */
  async fill(request: FetchRequest, gap: DateSpan, useStore: boolean): Promise<FilledGap> {
    const days = this.calendar.tradingDays(gap.start, gap.end);
    if (!useStore) return this.withUnitsAhead(request, (prepaid) => this.fetch(request, gap, days, { store: false, prepaid }));
    // A lock that cannot be taken (DynamoDB failing) must not stop the request: fetch anyway.
    const lease = await this.store.acquireLock(request.ticker, request.resolution, gap, request.epoch, this.leaseMs).then(
      (acquired) => acquired ?? ('busy' as const),
      () => 'unavailable' as const,
    );
    if (lease === 'busy') {
      const picked = await this.waitForHolder(request, gap, days);
      if (picked) return { piece: picked, fromProvider: false };
      return this.withUnitsAhead(request, (prepaid) => this.fetch(request, gap, days, { store: true, prepaid }));
    }
    this.metrics.fetchLocks.inc({ outcome: lease === 'unavailable' ? 'unavailable' : 'acquired' });
    if (lease === 'unavailable') return this.withUnitsAhead(request, (prepaid) => this.fetch(request, gap, days, { store: true, prepaid }));
    return this.withUnitsAhead(request, async (prepaid) => {
      // Double-check: the previous holder may have stored the gap and released just before we took it.
      let picked: CandlePiece | undefined;
      try {
        picked = await this.pickUp(request, gap, days).catch((error: unknown) => {
          if (error instanceof TickerNotFoundError) throw error;
          return undefined;
        });
      } catch (error) {
        this.releaseLater(lease);
        throw error;
      }
      if (!picked) return this.fetch(request, gap, days, { store: true, lease, prepaid });
      this.releaseLater(lease);
      return { piece: picked, fromProvider: false };
    });
  }

  /** Holds the user's and the provider's unit, reserved ahead, while `work` runs: unused, they go back. */
  private async withUnitsAhead<T>(request: FetchRequest, work: (prepaid: ProviderPrepayment | undefined) => Promise<T>): Promise<T> {
    const prepaid = this.market.prepay();
    const drops = [request.charge.hold(), ...(prepaid ? [prepaid.unit.hold()] : [])];
    try {
      return await work(prepaid);
    } finally {
      drops.forEach((drop) => drop());
    }
  }

  private async fetch(
    request: FetchRequest,
    gap: DateSpan,
    days: readonly string[],
    how: { store: boolean; lease?: FetchLease; prepaid?: ProviderPrepayment },
  ): Promise<FilledGap> {
    const { ticker, resolution, epoch } = request;
    let fetched;
    try {
      await request.charge.use();
      fetched = await this.market.fetch(ticker, resolution, gap, { prepaid: how.prepaid });
    } catch (error) {
      if (error instanceof TickerNotFoundError) await this.controls.markUnknown(ticker);
      if (how.lease) this.releaseLater(how.lease);
      throw error;
    }
    const fetchedAt = this.clock.now().getTime();
    const inGap = new Set(days);
    const candles = fetched.candles.filter((candle) => inGap.has(sessionDateOf(candle, resolution, this.calendar)));
    this.metrics.providerFetches.inc({ source: fetched.source });
    if (how.store) {
      const stored: StoredFetch = { ticker, resolution, days, candles, source: fetched.source, fetchedAt, epoch };
      this.writes.enqueue('store candles', async () => {
        try {
          await this.writeUnlessInvalidated(stored);
        } finally {
          // Released after the coverage is written, so waiters find it instead of fetching again.
          if (how.lease) await this.store.releaseLock(how.lease, WriteBehindQueue.backgroundDeadline());
        }
      });
    }
    return { piece: { candles, source: fetched.source, fetchedAt, newestFetchAt: fetchedAt }, fromProvider: true };
  }

  /** A fetch that was in flight during an admin DELETE must not write the purged candles back. */
  private async writeUnlessInvalidated(stored: StoredFetch): Promise<void> {
    const deadline = WriteBehindQueue.backgroundDeadline();
    const control = await this.store.readControl(stored.ticker, deadline);
    if (control.epoch > stored.epoch) {
      this.metrics.droppedWrites.inc();
      this.logger.info({ ticker: stored.ticker, epoch: stored.epoch, current_epoch: control.epoch }, 'write-behind of an invalidated fetch dropped');
      return;
    }
    await this.store.write(stored, deadline);
  }

  /**
   * The gap's candles when coverage (read strongly consistent) vouches for every session of it.
   * @throws TickerNotFoundError when the holder learnt that the providers do not know the ticker.
   */
  private async pickUp(request: FetchRequest, gap: DateSpan, days: readonly string[]): Promise<CandlePiece | undefined> {
    const control = await this.controls.fresh(request.ticker);
    if (this.controls.isUnknown(request.ticker, control)) throw new TickerNotFoundError(request.ticker);
    const { cached, covered } = await this.store.read(request.ticker, request.resolution, gap, request.epoch, true);
    return cached && days.every((day) => covered.has(day)) ? cached : undefined;
  }

  /**
   * Another instance holds the lock: poll its result. Undefined when it did not appear in time (or
   * DynamoDB failed), and the caller fetches itself.
   */
  private async waitForHolder(request: FetchRequest, gap: DateSpan, days: readonly string[]): Promise<CandlePiece | undefined> {
    const giveUpAt = Date.now() + LOCK_WAIT_MS;
    try {
      while (Date.now() + LOCK_POLL_INTERVAL_MS <= giveUpAt) {
        await delay(LOCK_POLL_INTERVAL_MS);
        const piece = await this.pickUp(request, gap, days);
        if (!piece) continue;
        this.metrics.fetchLocks.inc({ outcome: 'waited_hit' });
        return piece;
      }
    } catch (error) {
      if (error instanceof TickerNotFoundError) throw error;
      this.logger.warn({ ticker: request.ticker, error_name: error instanceof Error ? error.name : typeof error }, 'waiting for fetch lock holder failed');
    }
    this.metrics.fetchLocks.inc({ outcome: 'waited_timeout' });
    return undefined;
  }

  private releaseLater(lease: FetchLease): void {
    this.writes.enqueue('release fetch lock', () => this.store.releaseLock(lease, WriteBehindQueue.backgroundDeadline()));
  }
}
