import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { setTimeout as delay } from 'node:timers/promises';
import { backgroundDeadlineIn } from '../../resilience/deadline';
import { OhlcMetrics } from '../ohlc.metrics';
import { CandleStore } from './candle-store';

/** Budget of one purge, all attempts included: tens of thousands of deletes take a while. */
export const PURGE_BUDGET_MS = 120_000;
export const PURGE_ATTEMPTS = 3;
const PURGE_RETRY_BASE_MS = 1000;

/**
 * Physical deletion of a ticker's candles and coverage of older epochs, after the admin DELETE
 * has answered. Readers ignore those items from the moment the epoch is bumped, so a purge that
 * fails only costs storage: the items leave by their TTL, and the failure is logged and counted.
 */
@Injectable()
export class CachePurge implements BeforeApplicationShutdown {
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly store: CandleStore,
    private readonly metrics: OhlcMetrics,
    @InjectPinoLogger(CachePurge.name) private readonly logger: PinoLogger,
  ) {}

  schedule(ticker: string, epoch: number): void {
    const run = this.purge(ticker, epoch).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Resolves when every purge started so far has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Shutdown does not wait for a purge: it stops it (readers already ignore what is left). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }

  private async purge(ticker: string, epoch: number): Promise<void> {
    const deadline = backgroundDeadlineIn(PURGE_BUDGET_MS, this.stopping);
    for (let attempt = 1; ; attempt++) {
      try {
        const deleted = await this.store.purgeBefore(ticker, epoch, deadline);
        this.metrics.purges.inc({ outcome: 'done' });
        this.metrics.purgedItems.inc(deleted);
        this.logger.info({ ticker, epoch, deleted_items: deleted, attempts: attempt }, 'OHLC cache purged');
        return;
      } catch (error) {
        const last = attempt >= PURGE_ATTEMPTS || deadline.signal.aborted;
        this.metrics.purges.inc({ outcome: last ? 'failed' : 'retried' });
        this.logger.warn(
          { ticker, epoch, attempt, error_name: error instanceof Error ? error.name : typeof error },
          last ? 'OHLC cache purge abandoned; the old items are ignored and leave by their TTL' : 'OHLC cache purge failed; retrying',
        );
        if (last) return;
        await delay(PURGE_RETRY_BASE_MS * 2 ** (attempt - 1), undefined, { signal: deadline.signal }).catch(() => undefined);
      }
    }
  }
}
