import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Settings } from '../../config/settings';
import { backgroundDeadlineIn, Deadline } from '../../resilience/deadline';
import { OhlcMetrics } from '../ohlc.metrics';

/** Budget of one background write (all its batches and retries). */
export const WRITE_DEADLINE_MS = 15_000;

/**
 * Cache writes run after the response: a request never waits for DynamoDB to store what it just
 * fetched. Pending writes are tracked so shutdown can finish them.
 */
@Injectable()
export class WriteBehindQueue implements BeforeApplicationShutdown {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly settings: Settings,
    private readonly metrics: OhlcMetrics,
    @InjectPinoLogger(WriteBehindQueue.name) private readonly logger: PinoLogger,
  ) {}

  /** A deadline of its own: the request's deadline must not cut a write that outlives it. */
  static backgroundDeadline(): Deadline {
    return backgroundDeadlineIn(WRITE_DEADLINE_MS);
  }

  enqueue(what: string, task: () => Promise<void>): void {
    const run = task().catch((error: unknown) => {
      this.metrics.cacheWriteFailures.inc();
      this.logger.warn({ what, error_name: error instanceof Error ? error.name : typeof error }, 'OHLC cache write failed');
    });
    const tracked = run.finally(() => {
      this.pending.delete(tracked);
      this.metrics.pendingWrites.set(this.pending.size);
    });
    this.pending.add(tracked);
    this.metrics.pendingWrites.set(this.pending.size);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves when every write started so far has finished, or after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.pending.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = Promise.all([...this.pending]).then(() => true as const);
    try {
      return await Promise.race([done, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Before (not on) application shutdown: AwsClients destroys the DynamoDB client in its
   * onApplicationShutdown, and pending writes need it.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const count = this.pending.size;
    if (count === 0) return;
    // A margin below the hooks' share, so a slow flush is reported here rather than cut off.
    const flushed = await this.flush(Math.max(100, this.settings.shutdownHooksMs - 500));
    if (flushed) this.logger.info({ pending: count }, 'OHLC cache writes flushed on shutdown');
    else this.logger.warn({ pending: count, left: this.pending.size }, 'OHLC cache writes abandoned on shutdown: not stored');
  }
}
