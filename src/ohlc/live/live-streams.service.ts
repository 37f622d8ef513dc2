import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { LiveSettings, Settings } from '../../config/settings';
import { toOhlcResponse } from '../dto/ohlc.responses';
import { MarketCalendar } from '../../market-calendar/market-calendar';
import { Clock } from '../../resilience/clock';
import { OhlcService } from '../ohlc.service';
import type { Resolution } from '../candle.model';
import { cursorAfter, overlay } from './live-bars';
import { LiveOverlay } from './live-overlay';
import type { LiveKey } from './live-bars.items';
import { LiveBarsRepository } from './live-bars.repository';
import { LiveFeed, LiveSubscriber, noticeChunk } from './live-feed';
import { LivePoller } from './live-poller';
import { LiveUserSlots } from './live-user-slots';
import { liveCapacityError, LiveStreamLimitError } from './live.errors';
import { LiveMetrics } from './live.metrics';
import type { SseSink } from './sse-sink';

export type LiveResolution = Exclude<Resolution, 'D'>;

export interface StreamRequest {
  readonly userId: string;
  readonly ticker: string;
  readonly resolution: LiveResolution;
}

const feedId = (key: LiveKey): string => `${key.ticker}#${key.resolution}#${key.date}`;

/**
 * The live streams of this instance: limits, the snapshot, and one LiveFeed per watched
 * (ticker, resolution) however many clients watch it.
 */
@Injectable()
export class LiveStreams implements BeforeApplicationShutdown {
  private readonly feeds = new Map<string, LiveFeed>();
  private readonly perUser = new Map<string, number>();
  private openCount = 0;
  private shuttingDown = false;
  private readonly limits: LiveSettings;

  constructor(
    private readonly ohlc: OhlcService,
    private readonly calendar: MarketCalendar,
    private readonly clock: Clock,
    private readonly repository: LiveBarsRepository,
    private readonly poller: LivePoller,
    private readonly slots: LiveUserSlots,
    private readonly overlay: LiveOverlay,
    private readonly metrics: LiveMetrics,
    settings: Settings,
    @InjectPinoLogger(LiveStreams.name) private readonly logger: PinoLogger,
  ) {
    this.limits = settings.live;
  }

  get openStreams(): number {
    return this.openCount;
  }

  /** The feed of a (ticker, resolution) on this instance, if someone here watches it. */
  feedOf(key: LiveKey): LiveFeed | undefined {
    return this.feeds.get(feedId(key));
  }

  /**
   * Checks the limits, sends the snapshot and subscribes the client. Throws (nothing written yet,
   * so the client gets the usual error envelope) when a limit or the snapshot fails.
   */
  async open(request: StreamRequest, sink: SseSink): Promise<void> {
    this.admit(request.userId);
    let subscribed = false;
    let feed: LiveFeed | undefined;
    let slot: string | undefined;
    try {
      slot = await this.slots.acquire(request.userId).catch((error: unknown) => {
        if (error instanceof LiveStreamLimitError) this.metrics.refused.inc({ reason: 'user_limit' });
        throw error;
      });
      const today = this.calendar.marketToday();
      const span = { start: today, end: today };
      const session = this.calendar.session(today);
      const now = this.clock.now().getTime();
      const live = session !== null && !this.shuttingDown && now >= Date.parse(session.open) && now < Date.parse(session.close);
      const key: LiveKey = { ticker: request.ticker, resolution: request.resolution, date: today };
      feed = live ? this.feedFor(key, Date.parse(session.close)) : undefined;
      const query = { ticker: request.ticker, resolution: request.resolution, span, userId: request.userId };
      const [result] = await Promise.all([this.ohlc.candles(query), feed?.ready]);
      const liveBars = feed && (await this.overlay.isCurrent(request.ticker, feed.epoch)) ? feed.bars : [];
      if (sink.closed) return;
      // The snapshot never lags behind what this instance's other clients were already sent
      // (unless an admin DELETE came after those bars were polled).
      const candles = overlay(result.candles, liveBars);
      sink.event('snapshot', toOhlcResponse(request.ticker, request.resolution, span, { ...result, candles }));
      if (!feed || feed.ended) {
        sink.end(this.shuttingDown ? 'shutdown' : 'market_closed');
        return;
      }
      const subscriber = this.subscriberFor(sink, cursorAfter(candles), feed.slowdown);
      if (feed.slowdown > 1) sink.write(noticeChunk(feed.slowdown, this.poller.pollIntervalMs));
      feed.add(subscriber);
      subscribed = true;
      const subscribedFeed = feed;
      const subscribedSlot = slot;
      sink.onClose(() => {
        subscribedFeed.remove(subscriber);
        // Counted as open until its slot is free everywhere, so a reopen right after is admitted.
        void this.slots.release(request.userId, subscribedSlot).finally(() => this.release(request.userId));
      });
    } finally {
      if (!subscribed) {
        if (slot) void this.slots.release(request.userId, slot);
        this.release(request.userId);
        if (feed && feed.subscribers.size === 0) feed.stop();
      }
    }
  }

  /** Shutdown: every client gets `end` and its stream is closed, before the HTTP server drains. */
  endAll(): void {
    this.shuttingDown = true;
    const feeds = [...this.feeds.values()];
    for (const feed of feeds) feed.endAll('shutdown');
    if (feeds.length > 0) this.logger.info({ feeds: feeds.length }, 'live streams ended for shutdown');
  }

  beforeApplicationShutdown(): void {
    this.endAll();
  }

  private admit(userId: string): void {
    if (this.shuttingDown || this.openCount >= this.limits.maxStreams) {
      this.metrics.refused.inc({ reason: 'instance_limit' });
      throw liveCapacityError();
    }
    const mine = this.perUser.get(userId) ?? 0;
    if (mine >= this.limits.maxStreamsPerUser) {
      this.metrics.refused.inc({ reason: 'user_limit' });
      throw new LiveStreamLimitError(this.limits.maxStreamsPerUser);
    }
    this.perUser.set(userId, mine + 1);
    this.openCount++;
    this.metrics.openStreams.set(this.openCount);
  }

  private release(userId: string): void {
    const mine = (this.perUser.get(userId) ?? 1) - 1;
    if (mine > 0) this.perUser.set(userId, mine);
    else this.perUser.delete(userId);
    this.openCount--;
    this.metrics.openStreams.set(this.openCount);
  }

  private feedFor(key: LiveKey, closeMs: number): LiveFeed {
    const id = feedId(key);
    let feed = this.feeds.get(id);
    if (!feed || feed.ended) {
      const deps = { repository: this.repository, poller: this.poller, clock: this.clock, metrics: this.metrics, logger: this.logger, readIntervalMs: this.limits.readIntervalMs };
      const created = new LiveFeed(key, closeMs, deps, (stopped) => {
        if (this.feeds.get(id) === stopped) this.feeds.delete(id);
        this.metrics.feeds.set(this.feeds.size);
      });
      feed = created;
      this.feeds.set(id, created);
      this.metrics.feeds.set(this.feeds.size);
    }
    return feed;
  }

  private subscriberFor(sink: SseSink, cursor: LiveSubscriber['cursor'], slowdown: number): LiveSubscriber {
    return {
      cursor,
      slowdown,
      write: (chunk) => sink.write(chunk),
      end: (reason) => sink.end(reason),
    };
  }
}
