import { Injectable } from '@nestjs/common';
import { bulkhead, type BulkheadPolicy } from 'cockatiel';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Settings } from '../../config/settings';
import { LiveUserSlotsRepository } from './live-user-slots.repository';
import { LiveStreamLimitError } from './live.errors';

/** An instance vouches for its streams this long; a crashed instance's streams stop counting then. */
export const SLOT_TTL_MS = 60_000;
const HEARTBEAT_MS = 20_000;
/** Opens of one user racing each other: each round admits at least one of them. */
const ADMIT_ATTEMPTS = 8;
const RETRY_JITTER_MS = 25;
const RENEW_CONCURRENCY = 8;
/**
 * Slot reads and writes of opens and closes in flight at once: a burst of a thousand opens
 * queues here instead of becoming a thousand simultaneous DynamoDB calls, whose timeouts would
 * open the cache layer's breaker and stop the fan-out with it.
 */
const SLOT_CALL_CONCURRENCY = 16;

/**
 * OHLC_LIVE_MAX_STREAMS_PER_USER across the cluster: each open stream holds an entry in the
 * user's slots item (optimistic revision check, so concurrent opens on any instances cannot both
 * take the last slot), renewed by a heartbeat while open, removed when it closes. Times are wall
 * clock: they are about instances being alive now. While DynamoDB cannot be asked, streams are
 * admitted against this instance's own count only (a live chart matters more than an exact cap).
 */
@Injectable()
export class LiveUserSlots {
  private readonly mine = new Map<string, Set<string>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private readonly max: number;
  private readonly slotCalls: BulkheadPolicy;

  constructor(
    private readonly repository: LiveUserSlotsRepository,
    settings: Settings,
    @InjectPinoLogger(LiveUserSlots.name) private readonly logger: PinoLogger,
  ) {
    this.max = settings.live.maxStreamsPerUser;
    // The queue never refuses: every open already passed the instance cap (OHLC_LIVE_MAX_STREAMS).
    this.slotCalls = bulkhead(SLOT_CALL_CONCURRENCY, Number.MAX_SAFE_INTEGER);
  }

  /** A slot for one more stream of the user, or LiveStreamLimitError. Returns its id for release(). */
  async acquire(userId: string): Promise<string> {
    const streamId = randomUUID();
    for (let attempt = 0; attempt < ADMIT_ATTEMPTS; attempt++) {
      const admitted = await this.slotCalls.execute(() => this.tryAdmit(userId, streamId)).catch((error: unknown) => {
        if (error instanceof LiveStreamLimitError) throw error;
        this.logger.warn({ error_name: error instanceof Error ? error.name : typeof error }, 'live stream slots unavailable; admitting on the local count');
        return true;
      });
      if (admitted) {
        this.track(userId, streamId);
        return streamId;
      }
      await delay(Math.random() * RETRY_JITTER_MS * (attempt + 1));
    }
    // Lost every race: others are opening this user's streams right now, so the slots are taken.
    throw new LiveStreamLimitError(this.max);
  }

  /** Resolves once the slot is free cluster-wide (or could not be freed: it then expires by itself). */
  async release(userId: string, streamId: string): Promise<void> {
    const ids = this.mine.get(userId);
    ids?.delete(streamId);
    if (ids?.size === 0) this.mine.delete(userId);
    if (this.mine.size === 0) this.stopHeartbeat();
    await this.slotCalls.execute(() => this.repository.remove(userId, streamId)).catch(() => undefined);
  }

  private async tryAdmit(userId: string, streamId: string): Promise<boolean> {
    const state = await this.repository.read(userId);
    const now = Date.now();
    const entries = Object.entries(state.streams);
    const expired = entries.filter(([, until]) => until < now).map(([id]) => id);
    if (entries.length - expired.length >= this.max) throw new LiveStreamLimitError(this.max);
    return this.repository.admit(userId, { streamId, until: now + SLOT_TTL_MS, expired, seenRev: state.rev });
  }

  private track(userId: string, streamId: string): void {
    let ids = this.mine.get(userId);
    if (!ids) this.mine.set(userId, (ids = new Set()));
    ids.add(streamId);
    // Unref'd: the open streams keep the process alive, never the heartbeat for them.
    this.heartbeat ??= setInterval(() => this.renewAll(), HEARTBEAT_MS).unref();
  }

  /**
   * One UpdateItem per user, a few at a time: a thousand users must not become a thousand
   * simultaneous writes every heartbeat. A round still running when the next is due is left alone.
   */
  private renewAll(): void {
    if (this.renewing) return;
    const until = Date.now() + SLOT_TTL_MS;
    const users = [...this.mine.entries()];
    const worker = async (): Promise<void> => {
      for (let next = users.shift(); next; next = users.shift()) {
        await this.repository.renew(next[0], [...next[1]], until).catch(() => undefined);
      }
    };
    this.renewing = Promise.all(Array.from({ length: RENEW_CONCURRENCY }, worker)).then(() => {
      this.renewing = undefined;
    });
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
