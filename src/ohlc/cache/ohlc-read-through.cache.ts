import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { CircuitBreakerRegistry } from '../../resilience/circuit-breaker.registry';
import { MarketCalendar } from '../market-calendar';
import { OhlcClock } from '../ohlc-clock';
import { OhlcMetrics } from '../ohlc.metrics';
import { CandlePiece, mergePieces, OhlcResult } from '../ohlc.model';
import type { DateSpan, Resolution } from '../ohlc.types';
import { MarketDataService } from '../providers/market-data.service';
import { isCoverageValid, missingRuns } from './coverage-plan';
import { GapFiller, pieceOf } from './gap-filler';
import { OhlcCacheRepository } from './ohlc-cache.repository';

/**
 * Layer 2 (DynamoDB) in front of the providers: a range is a hit when coverage vouches for every
 * trading session in it; otherwise only the missing runs of sessions are fetched and merged with
 * the cached rest. While the dynamodb_cache breaker refuses calls, DynamoDB is not called at all.
 */
@Injectable()
export class OhlcReadThroughCache {
  constructor(
    private readonly repository: OhlcCacheRepository,
    private readonly gaps: GapFiller,
    private readonly market: MarketDataService,
    private readonly calendar: MarketCalendar,
    private readonly clock: OhlcClock,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly metrics: OhlcMetrics,
    @InjectPinoLogger(OhlcReadThroughCache.name) private readonly logger: PinoLogger,
  ) {}

  /** True once a cool-down has run out too, so the next read (or epoch refresh) is the probe. */
  dynamodbUsable(): boolean {
    return this.breakers.permitsCall('dynamodb_cache');
  }

  async load(ticker: string, resolution: Resolution, span: DateSpan): Promise<OhlcResult> {
    const days = this.calendar.tradingDays(span.start, span.end);
    if (days.length === 0) return this.noSessions();
    if (!this.dynamodbUsable()) return this.fromProvidersOnly(ticker, resolution, span);

    const now = this.clock.now().getTime();
    const nowSec = Math.floor(now / 1000);
    let cached: CandlePiece | undefined;
    let covered: Set<string>;
    try {
      // Both Queries at once: a hit needs both, and on a miss the candle Query finds nothing fast.
      const [records, stored] = await Promise.all([
        this.repository.coverage(ticker, resolution, span, { nowSec }),
        this.repository.candles(ticker, resolution, span, { nowSec }),
      ]);
      const coverage = records.filter((r) => isCoverageValid(r, now));
      covered = new Set(coverage.map((record) => record.date));
      if (coverage.length > 0) {
        const candles = stored.filter((s) => covered.has(this.gaps.sessionDateOf(s.candle, resolution))).map((s) => s.candle);
        cached = pieceOf(candles, coverage);
      }
    } catch (error) {
      this.metrics.layer2Errors.inc();
      this.logger.warn({ ticker, resolution, error_name: errorName(error) }, 'DynamoDB cache read failed; asking the providers');
      return this.fromProvidersOnly(ticker, resolution, span);
    }

    const runs = missingRuns(days, covered);
    if (runs.length === 0 && cached) return { ...cached, layer: 'dynamodb' };
    const filled = await Promise.all(runs.map((gap) => this.gaps.fill(ticker, resolution, gap, true)));
    const merged = mergePieces([...(cached ? [cached] : []), ...filled.map((f) => f.piece)]);
    const fromProvider = filled.filter((f) => f.fromProvider).map((f) => f.piece);
    if (fromProvider.length === 0) return { ...merged, layer: 'dynamodb' };
    const newest = fromProvider.reduce((a, b) => (b.newestFetchAt > a.newestFetchAt ? b : a));
    return { ...merged, layer: newest.source };
  }

  /**
   * The newest cached copy in DynamoDB even if expired (items DynamoDB has not deleted yet), for
   * answering while every provider is down. Undefined when there is none or DynamoDB is unusable.
   */
  async staleCopy(ticker: string, resolution: Resolution, span: DateSpan): Promise<OhlcResult | undefined> {
    if (!this.dynamodbUsable()) return undefined;
    try {
      const nowSec = Math.floor(this.clock.now().getTime() / 1000);
      // Providers that hung may have used the whole request budget; a stale answer beats a 504,
      // so this read gets a short budget of its own.
      const deadline = { signal: AbortSignal.timeout(STALE_READ_BUDGET_MS), deadlineAt: Date.now() + STALE_READ_BUDGET_MS };
      const stored = await this.repository.candles(ticker, resolution, span, { nowSec, includeExpired: true, deadline });
      if (stored.length === 0) return undefined;
      return { ...pieceOf(stored.map((s) => s.candle), stored), layer: 'stale' };
    } catch (error) {
      this.logger.warn({ ticker, resolution, error_name: errorName(error) }, 'DynamoDB stale read failed');
      return undefined;
    }
  }

  private async fromProvidersOnly(ticker: string, resolution: Resolution, span: DateSpan): Promise<OhlcResult> {
    const { piece } = await this.gaps.fill(ticker, resolution, span, false);
    return { ...piece, layer: piece.source };
  }

  /** A range without a trading session (a weekend, a holiday) has no candles: nothing to fetch. */
  private noSessions(): OhlcResult {
    const source = this.market.enabledProviders()[0] ?? 'tiingo';
    return { candles: [], source, fetchedAt: this.clock.now().getTime(), layer: source };
  }
}

/** How long a stale read may extend a request whose providers used up its deadline. */
const STALE_READ_BUDGET_MS = 1000;

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
