import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { RequestContexts } from '../../common/http/request-context';
import { Settings } from '../../config/settings';
import { Clock } from '../../resilience/clock';
import { deadlineIn } from '../../resilience/deadline';
import { MarketDataThrottledError } from '../../market-data/market-data.errors';
import { MarketDataService } from '../../market-data/market-data.service';
import { TickerControls } from '../store/ticker-controls';
import { LiveBarsRepository } from './live-bars.repository';
import type { LiveKey, LiveRecord } from './live-bars.items';
import { LiveMetrics } from './live.metrics';

/** Polls never take the last 20 % of a provider quota window: that share stays for ordinary requests. */
export const POLL_QUOTA_CEILING = 0.8;
/** The lease outlives one interval by half of one, so a dead poller is replaced within two intervals. */
const LEASE_INTERVALS = 1.5;
const MAX_SLOWDOWN = 8;
/** Slowdown kept when the refusal names no reset time. */
const DEFAULT_SLOW_SECONDS = 60;

/**
 * The elected poller's side of a live (ticker, resolution): books the next poll in DynamoDB (only
 * one instance can), asks the providers through the resilience layer and the quota (with the
 * ceiling), and stores the bars for every instance to read. Polls land on a grid of
 * OHLC_LIVE_POLL_SECONDS, so takeovers and races never add a poll to an interval.
 */
@Injectable()
export class LivePoller {
  private readonly intervalMs: number;
  private readonly deadlineMs: number;

  constructor(
    private readonly repository: LiveBarsRepository,
    private readonly market: MarketDataService,
    private readonly controls: TickerControls,
    private readonly clock: Clock,
    private readonly metrics: LiveMetrics,
    settings: Settings,
    @InjectPinoLogger(LivePoller.name) private readonly logger: PinoLogger,
  ) {
    this.intervalMs = settings.live.pollSeconds * 1000;
    this.deadlineMs = settings.requestDeadlineMs;
  }

  get pollIntervalMs(): number {
    return this.intervalMs;
  }

  /** Polls once if `token` may (holder, or the lease ran out) and the booked time has come. */
  async pollIfDue(key: LiveKey, token: string, last: LiveRecord | undefined): Promise<void> {
    const now = this.clock.now().getTime();
    if (last && (last.nextPollAt > now || (last.holder !== token && last.leaseUntil >= now))) return;
    // Once the refused window has reset, polls try the normal pace again; the slowdown stays on
    // record (and clients keep their notice) until a poll succeeds, and grows if it is refused again.
    const stored = last?.slowdown ?? 1;
    const pace = stored > 1 && (last?.slowUntil ?? 0) > now ? stored : 1;
    const nextPollAt = this.gridStart(now) + this.intervalMs * pace;
    const leaseUntil = now + this.intervalMs * pace * LEASE_INTERVALS;
    if (!(await this.repository.claimPoll(key, { token, nowMs: now, leaseUntil, nextPollAt }))) return;

    try {
      // Read before asking: bars asked before an admin DELETE must carry the epoch they belong to.
      const epoch = (await this.controls.current(key.ticker))?.epoch ?? 0;
      const fetched = await RequestContexts.run(
        { requestId: `live-poll-${key.ticker}-${key.resolution}`, ...this.ownDeadline() },
        () => this.market.fetch(key.ticker, key.resolution, { start: key.date, end: key.date }, { quotaCeilingRatio: POLL_QUOTA_CEILING }),
      );
      // The time the poll was asked, not answered: a bar ending in between is not vouched final.
      const written = await this.repository.writeBars(key, { token, bars: fetched.candles, polledAt: now, source: fetched.source, epoch });
      this.metrics.polls.inc({ outcome: written ? 'ok' : 'lease_lost' });
      // Back to normal only once a poll at the normal pace got through, not one at the slow pace.
      if (written && stored > 1 && pace === 1) await this.repository.setSlowdown(key, { token, slowdown: 1, slowUntil: 0, nextPollAt });
    } catch (error) {
      if (error instanceof MarketDataThrottledError) return this.slowDown(key, token, now, stored, error.retryAfterSeconds);
      this.metrics.polls.inc({ outcome: 'error' });
      this.logger.warn({ ticker: key.ticker, resolution: key.resolution, error_name: error instanceof Error ? error.name : typeof error }, 'live poll failed');
    }
  }

  /** Every provider refused (quota ceiling or 429): poll half as often until the window resets. */
  private async slowDown(key: LiveKey, token: string, now: number, current: number, retryAfterSeconds: number | undefined): Promise<void> {
    const slowdown = Math.min(MAX_SLOWDOWN, current * 2);
    const slowUntil = now + (retryAfterSeconds ?? DEFAULT_SLOW_SECONDS) * 1000;
    const nextPollAt = this.gridStart(now) + this.intervalMs * slowdown;
    this.metrics.polls.inc({ outcome: 'quota_slowdown' });
    this.logger.warn({ ticker: key.ticker, resolution: key.resolution, poll_seconds: (this.intervalMs * slowdown) / 1000 }, 'live polls slowed down for quota');
    await this.repository.setSlowdown(key, { token, slowdown, slowUntil, nextPollAt });
  }

  private gridStart(now: number): number {
    return Math.floor(now / this.intervalMs) * this.intervalMs;
  }

  /** A poll runs outside any request, so it gets a request's budget of its own. */
  private ownDeadline(): { deadline: AbortSignal; deadlineAt: number } {
    const { signal, deadlineAt } = deadlineIn(this.deadlineMs);
    return { deadline: signal, deadlineAt };
  }
}
