import { randomUUID } from 'node:crypto';
import type { PinoLogger } from 'nestjs-pino';
import { RequestContexts } from '../../common/http/request-context';
import type { Clock } from '../../resilience/clock';
import type { Candle } from '../candle.model';
import { BarTiming, changesSince, Cursor, cursorKey } from './live-bars';
import type { LiveKey, LiveRecord } from './live-bars.items';
import type { LiveBarsRepository } from './live-bars.repository';
import type { LivePoller } from './live-poller';
import type { LiveMetrics } from './live.metrics';
import { sseComment, sseEvent } from './sse';

/** Feed calls carry explicit budgets; the context's own signal is never the one that fires. */
const NEVER_ABORTED = new AbortController().signal;
/** Comments go out well inside API.md's 15 s, whatever the read interval adds. */
export const KEEP_ALIVE_MS = 10_000;
/** After the close, a feed waits this many poll intervals for the post-close poll before it ends anyway. */
const END_GRACE_INTERVALS = 3;
const RESOLUTION_MS = { '1': 60_000, '5': 300_000, '15': 900_000, '30': 1_800_000, '60': 3_600_000 } as const;

/** One client of a feed: where it stands, and its open response. */
export interface LiveSubscriber {
  cursor: Cursor;
  /** Slowdown level the client was last told about (1: none). */
  slowdown: number;
  write(chunk: string): void;
  /** Sends `end` and closes the response. */
  end(reason: string): void;
}

export interface FeedDeps {
  readonly repository: LiveBarsRepository;
  readonly poller: LivePoller;
  readonly clock: Clock;
  readonly metrics: LiveMetrics;
  readonly logger: PinoLogger;
  readonly readIntervalMs: number;
}

/**
 * Everything one instance does for one watched (ticker, resolution, session): one timer that,
 * every read interval, lets the poller poll if it is due, reads the shared live item strongly
 * consistent and fans what changed out to this instance's clients. It stops (timer cleared, lease
 * released) when its last client leaves, and ends every client after the close.
 */
export class LiveFeed {
  readonly subscribers = new Set<LiveSubscriber>();
  readonly ready: Promise<void>;
  private readonly token = randomUUID();
  private record: LiveRecord | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastWriteAt: number;
  private readonly timing: Omit<BarTiming, 'polledAt'>;

  constructor(
    readonly key: LiveKey,
    closeMs: number,
    private readonly deps: FeedDeps,
    private readonly onStop: (feed: LiveFeed) => void,
  ) {
    this.timing = { resolutionMs: RESOLUTION_MS[key.resolution], closeMs };
    this.lastWriteAt = deps.clock.now().getTime();
    this.ready = this.scheduledTick();
  }

  /** The bars this instance knows, for snapshots and the OHLC route. */
  get bars(): readonly Candle[] {
    return this.record?.bars ?? [];
  }

  /** The invalidation epoch the known bars were polled at. */
  get epoch(): number {
    return this.record?.epoch ?? 0;
  }

  get slowdown(): number {
    return this.record?.slowdown ?? 1;
  }

  get ended(): boolean {
    return this.stopped;
  }

  add(subscriber: LiveSubscriber): void {
    this.subscribers.add(subscriber);
  }

  remove(subscriber: LiveSubscriber): void {
    if (!this.subscribers.delete(subscriber) || this.subscribers.size > 0) return;
    this.stop();
  }

  /** Ends every client (after the close, at shutdown) and stops. */
  endAll(reason: string): void {
    for (const subscriber of [...this.subscribers]) subscriber.end(reason);
    this.subscribers.clear();
    this.stop();
  }

  /** Idempotent; a tick in flight finds `stopped` and schedules nothing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.onStop(this);
    if (this.record?.holder === this.token) {
      this.deps.repository.release(this.key, this.token).catch(() => undefined);
    }
  }

  /**
   * Ticks run in a context of their own, not in the request that happened to create the feed:
   * their logs must not carry that request's id, and every call sets its own budget.
   */
  private scheduledTick(): Promise<void> {
    const context = { requestId: `live-feed-${this.key.ticker}-${this.key.resolution}`, deadline: NEVER_ABORTED, deadlineAt: Number.MAX_SAFE_INTEGER };
    return RequestContexts.run(context, () => this.tick());
  }

  /** Whatever fails in one tick, the next is scheduled: a feed never dies while it has clients. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.deps.poller.pollIfDue(this.key, this.token, this.record);
      const fresh = await this.deps.repository.read(this.key);
      if (fresh && !this.stopped) this.apply(fresh);
      const now = this.deps.clock.now().getTime();
      if (!this.stopped && this.sessionOver(now)) this.endAll('market_closed');
      else if (now - this.lastWriteAt >= KEEP_ALIVE_MS) this.broadcast(sseComment('keep-alive'), now);
    } catch (error) {
      this.deps.logger.warn({ ticker: this.key.ticker, error_name: error instanceof Error ? error.name : typeof error }, 'live feed tick failed');
    } finally {
      if (!this.stopped) this.timer = setTimeout(() => void this.scheduledTick(), this.deps.readIntervalMs);
    }
  }

  private apply(fresh: LiveRecord): void {
    const previous = this.record;
    this.record = fresh;
    if (previous?.version !== fresh.version && fresh.bars.length > 0) this.fanOut(fresh);
    if ((previous?.slowdown ?? 1) !== fresh.slowdown) this.notify(fresh.slowdown);
  }

  /** Clients at the same cursor (nearly all of them) share one computation and one serialised chunk. */
  private fanOut(record: LiveRecord): void {
    const timing = { ...this.timing, polledAt: record.polledAt };
    const chunks = new Map<string, { chunk: string; cursor: Cursor }>();
    let wrote = false;
    for (const subscriber of this.subscribers) {
      const key = cursorKey(subscriber.cursor);
      let change = chunks.get(key);
      if (!change) {
        const { events, cursor } = changesSince(subscriber.cursor, record.bars, timing);
        change = { chunk: events.map((event) => sseEvent('bar', event)).join(''), cursor };
        chunks.set(key, change);
      }
      subscriber.cursor = change.cursor;
      if (change.chunk.length === 0) continue;
      subscriber.write(change.chunk);
      wrote = true;
    }
    if (!wrote) return;
    this.lastWriteAt = this.deps.clock.now().getTime();
    if (record.writtenAt > 0) this.deps.metrics.fanOutLag.observe(Math.max(0, Date.now() - record.writtenAt) / 1000);
  }

  private notify(slowdown: number): void {
    for (const subscriber of this.subscribers) {
      if (subscriber.slowdown === slowdown) continue;
      subscriber.slowdown = slowdown;
      subscriber.write(noticeChunk(slowdown, this.deps.poller.pollIntervalMs));
    }
  }

  private sessionOver(now: number): boolean {
    if (now < this.timing.closeMs) return false;
    const polledAfterClose = (this.record?.polledAt ?? 0) >= this.timing.closeMs;
    return polledAfterClose || now >= this.timing.closeMs + END_GRACE_INTERVALS * this.deps.poller.pollIntervalMs;
  }

  private broadcast(chunk: string, now: number): void {
    for (const subscriber of this.subscribers) subscriber.write(chunk);
    this.lastWriteAt = now;
  }
}

/** The `notice` event: polls slowed down for quota (or are back to normal, slowdown 1). */
export function noticeChunk(slowdown: number, intervalMs: number): string {
  const pollSeconds = (intervalMs * slowdown) / 1000;
  return sseEvent('notice', slowdown > 1
    ? { reason: 'quota', poll_seconds: pollSeconds, message: `The provider quota is running low: bars refresh every ${pollSeconds} s for now` }
    : { reason: 'quota_recovered', poll_seconds: pollSeconds, message: `Bars refresh every ${pollSeconds} s again` });
}
