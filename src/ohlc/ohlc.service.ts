import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { CachePurge } from './store/cache-purge';
import { CachedRange, CandleStore } from './store/candle-store';
import { coveringSpans, isSessionComplete, missingRuns, OPEN_SESSION_VALIDITY_MS } from './store/coverage-plan';
import { FetchCoordinator, FetchRequest } from './fetch/fetch-coordinator';
import { memoryKey, MemoryCandleCache } from './memory/memory-candle.cache';
import { TickerControls } from './store/ticker-controls';
import { UpstreamAllowance } from './fetch/upstream-allowance';
import { MarketCalendar } from '../market-calendar/market-calendar';
import { Clock } from '../resilience/clock';
import { isMarketDataOutage, TickerNotFoundError } from '../market-data/market-data.errors';
import { UserRateLimitedError } from './ohlc.errors';
import { OhlcMetrics } from './ohlc.metrics';
import { CacheLayer, CandlePiece, CandleSet, mergePieces, OhlcResult } from './candle.model';
import type { DateSpan, Resolution } from './candle.model';
import { MarketDataService } from '../market-data/market-data.service';
import { serializeOhlcResponse } from './dto/ohlc.responses';

/** Memory lifetime of a range whose sessions have all closed: they never change; bytes bound the cache. */
export const COMPLETE_RANGE_MEMORY_TTL_MS = 24 * 3600_000;
const MIN_MEMORY_TTL_MS = 1000;

export interface CandleQuery {
  readonly ticker: string;
  readonly resolution: Resolution;
  readonly span: DateSpan;
  /** Whose upstream allowance a provider call is charged to. */
  readonly userId: string;
}

/**
 * The OHLC pipeline, top to bottom: the ticker's control item (epoch, known-unknown) → memory at
 * that epoch → DynamoDB's `{cached, gaps}` → one coordinated fetch per (covering) gap → write-behind
 * → the answer, labelled by the layer that served it; on a provider outage, the stale copy at the
 * same epoch. Identical concurrent requests at one epoch share one load.
 */
@Injectable()
export class OhlcService {
  private readonly inFlight = new Map<string, Promise<OhlcResult>>();

  constructor(
    private readonly controls: TickerControls,
    private readonly memory: MemoryCandleCache,
    private readonly store: CandleStore,
    private readonly fetches: FetchCoordinator,
    private readonly allowance: UpstreamAllowance,
    private readonly purge: CachePurge,
    private readonly market: MarketDataService,
    private readonly calendar: MarketCalendar,
    private readonly clock: Clock,
    private readonly metrics: OhlcMetrics,
    @InjectPinoLogger(OhlcService.name) private readonly logger: PinoLogger,
  ) {}

  async candles(query: CandleQuery): Promise<OhlcResult> {
    const { ticker, resolution, span } = query;
    const control = await this.controls.current(ticker);
    if (this.controls.isUnknown(ticker, control)) throw new TickerNotFoundError(ticker);
    const epoch = control?.epoch;
    const key = memoryKey(ticker, resolution, span);
    const hit = this.memory.get(key);
    if (hit && !isCurrent(hit.epoch, epoch)) this.memory.delete(key);
    else if (hit && hit.staleAt > this.clock.now().getTime()) return this.served({ ...hit, layer: 'in-memory' });

    // Keyed by epoch too: a request after a DELETE never joins a load that started before it.
    const flightKey = `${key}|${epoch ?? '?'}`;
    const shared = this.inFlight.get(flightKey);
    if (shared) {
      try {
        return this.served(await shared);
      } catch (error) {
        // Another user's allowance ran out, not this one's: this request is charged on its own.
        if (!(error instanceof UserRateLimitedError)) throw error;
        return this.served(await this.loadOrStale(query, epoch));
      }
    }
    const load = this.loadOrStale(query, epoch).finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, load);
    return this.served(await load);
  }

  /**
   * Admin: bumps the epoch first (one write, whatever the ticker's size), so from this moment no
   * layer here serves older candles and other instances follow within CONTROL_MAX_AGE_MS; the
   * physical purge runs afterwards in the background.
   */
  async invalidate(ticker: string): Promise<void> {
    const epoch = await this.store.bumpEpoch(ticker);
    this.controls.invalidated(ticker, epoch);
    this.memory.deleteTicker(ticker);
    this.purge.schedule(ticker, epoch);
    this.logger.info({ ticker, epoch }, 'OHLC cache invalidated; purge scheduled');
  }

  private async loadOrStale(query: CandleQuery, epoch: number | undefined): Promise<OhlcResult> {
    try {
      // Walked once per load: the coverage check and the memory lifetime both need them.
      const days = this.calendar.tradingDays(query.span.start, query.span.end);
      const result = await this.load(query, epoch, days);
      // The bytes memory keeps are this answer's too: the controller writes them instead of serializing again.
      return { ...result, body: this.remember(query, epoch, result, days) };
    } catch (error) {
      if (!isMarketDataOutage(error)) throw error;
      const stale = await this.staleCopy(query, epoch);
      if (!stale) throw error;
      this.logger.warn({ ticker: query.ticker, resolution: query.resolution, fetched_at: new Date(stale.fetchedAt).toISOString() }, 'providers down; serving a stale copy');
      return { candles: stale.candles, source: stale.source, fetchedAt: stale.fetchedAt, layer: 'stale' };
    }
  }

  private async load(query: CandleQuery, epoch: number | undefined, days: readonly string[]): Promise<OhlcResult> {
    const { ticker, resolution, span } = query;
    if (days.length === 0) return this.noSessions();
    const request: FetchRequest = { ticker, resolution, epoch: epoch ?? 0, charge: this.allowance.chargeFor(query.userId) };
    const stored = epoch !== undefined && this.store.usable() ? await this.readStore(query, epoch) : undefined;
    if (!stored) {
      // DynamoDB unusable, or its epoch or range unreadable: straight to the providers, nothing stored.
      const { piece } = await this.fetches.fill(request, span, false);
      return { ...piece, layer: piece.source };
    }

    const gaps = coveringSpans(missingRuns(days, stored.covered), days);
    if (gaps.length === 0 && stored.cached) return { ...stored.cached, layer: 'dynamodb' };
    const filled = await Promise.all(gaps.map((gap) => this.fetches.fill(request, gap, true)));
    const merged = mergePieces([...(stored.cached ? [stored.cached] : []), ...filled.map((f) => f.piece)]);
    const fromProvider = filled.filter((f) => f.fromProvider).map((f) => f.piece);
    return { ...merged, layer: labelOf(fromProvider) };
  }

  /** DynamoDB failing must not fail the request: the providers answer instead. */
  private async readStore(query: CandleQuery, epoch: number): Promise<CachedRange | undefined> {
    try {
      return await this.store.read(query.ticker, query.resolution, query.span, epoch);
    } catch (error) {
      this.metrics.layer2Errors.inc();
      this.logger.warn({ ticker: query.ticker, resolution: query.resolution, error_name: errorName(error) }, 'DynamoDB cache read failed; asking the providers');
      return undefined;
    }
  }

  /** Memory first, then DynamoDB, both at the request's epoch: a DELETE also removes the stale copies. */
  private async staleCopy(query: CandleQuery, epoch: number | undefined): Promise<CandleSet | undefined> {
    const key = memoryKey(query.ticker, query.resolution, query.span);
    const inMemory = this.memory.peekStale(key);
    if (inMemory && isCurrent(inMemory.epoch, epoch)) return inMemory;
    if (epoch === undefined) return undefined;
    return this.store.staleCopy(query.ticker, query.resolution, query.span, epoch).catch((error: unknown) => {
      this.logger.warn({ ticker: query.ticker, resolution: query.resolution, error_name: errorName(error) }, 'DynamoDB stale read failed');
      return undefined;
    });
  }

  /**
   * Only a load of the ticker's current epoch enters memory (a DELETE may have happened meanwhile).
   * Returns the answer's bytes when it was remembered.
   */
  private remember(query: CandleQuery, epoch: number | undefined, result: OhlcResult, days: readonly string[]): Buffer | undefined {
    const latest = this.controls.latestEpoch(query.ticker);
    if (epoch !== undefined && latest !== undefined && latest > epoch) return undefined;
    const ttlMs = this.memoryTtlMs(query.resolution, result, days);
    const body = serializeOhlcResponse(query.ticker, query.resolution, query.span, result);
    const entry = { ticker: query.ticker, candles: result.candles, source: result.source, fetchedAt: result.fetchedAt, epoch, body };
    this.memory.set(memoryKey(query.ticker, query.resolution, query.span), { ...entry, staleAt: this.clock.now().getTime() + ttlMs }, ttlMs);
    this.metrics.memoryBytes.set(this.memory.sizeBytes);
    return body;
  }

  /**
   * A range with a session that can still change (open, or closed without its end-of-day data yet)
   * lives at most as long as its fetch stays valid.
   */
  private memoryTtlMs(resolution: Resolution, result: OhlcResult, days: readonly string[]): number {
    const now = this.clock.now();
    const newest = result.candles.at(-1);
    const lastCandleDay = newest === undefined ? undefined : resolution === 'D' ? newest.time : this.calendar.marketDateOf(new Date(newest.time));
    const open = days.some((day) => !isSessionComplete(day, this.calendar.isSessionClosed(day, now), lastCandleDay));
    if (!open) return COMPLETE_RANGE_MEMORY_TTL_MS;
    return Math.max(MIN_MEMORY_TTL_MS, OPEN_SESSION_VALIDITY_MS - (now.getTime() - result.fetchedAt));
  }

  /** A range without a trading session (a weekend, a holiday) has no candles: nothing to fetch. */
  private noSessions(): OhlcResult {
    const source = this.market.enabledProviders()[0] ?? 'tiingo';
    return { candles: [], source, fetchedAt: this.clock.now().getTime(), layer: source };
  }

  private served(result: OhlcResult): OhlcResult {
    this.metrics.requests.inc({ source: result.layer });
    return result;
  }
}

/** While the epoch cannot be read (DynamoDB down) memory keeps serving; otherwise an entry needs the current epoch. */
function isCurrent(entryEpoch: number | undefined, epoch: number | undefined): boolean {
  return epoch === undefined || (entryEpoch !== undefined && entryEpoch >= epoch);
}

/** The provider of the newest fetch, or `dynamodb` when every part came from the store. */
function labelOf(fromProvider: readonly CandlePiece[]): CacheLayer {
  if (fromProvider.length === 0) return 'dynamodb';
  return fromProvider.reduce((a, b) => (b.newestFetchAt > a.newestFetchAt ? b : a)).source;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
