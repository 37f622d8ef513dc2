import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { deadlineIn } from '../../resilience/deadline';
import { Clock } from '../../resilience/clock';
import { CandleStore } from './candle-store';
import type { TickerControl } from './ohlc-cache.items';

/**
 * How long an instance trusts its copy of a ticker's control item (wall time). Below the 5 s
 * promise of the admin DELETE, leaving room for the request that notices the change.
 */
export const CONTROL_MAX_AGE_MS = 4000;
/** A symbol the providers answered 404 for is not asked about again for this long (API.md). */
export const UNKNOWN_TICKER_TTL_MS = 3600_000;
const MARK_UNKNOWN_BUDGET_MS = 2000;

interface Known {
  readonly control: TickerControl;
  readonly readAt: number;
}

/**
 * Per-ticker control items (invalidation epoch, "the providers do not know it until …"), read
 * through a short per-instance cache. Every layer is keyed by the epoch it returns: memory
 * entries, DynamoDB items, locks and write-behinds of an older epoch are ignored or dropped.
 */
@Injectable()
export class TickerControls {
  private readonly known = new Map<string, Known>();
  /** Learnt here; kept even when DynamoDB could not store it. */
  private readonly unknownUntil = new Map<string, number>();
  private readonly reading = new Map<string, Promise<TickerControl | undefined>>();

  constructor(
    private readonly store: CandleStore,
    private readonly clock: Clock,
    @InjectPinoLogger(TickerControls.name) private readonly logger: PinoLogger,
  ) {}

  /**
   * The ticker's control, read again when the local copy is older than CONTROL_MAX_AGE_MS.
   * Undefined when it was never read and cannot be now (DynamoDB down): memory then keeps serving.
   */
  current(ticker: string): Promise<TickerControl | undefined> {
    const known = this.known.get(ticker);
    if (known && Date.now() - known.readAt < CONTROL_MAX_AGE_MS) return Promise.resolve(known.control);
    if (!this.store.usable()) return Promise.resolve(known?.control);
    let read = this.reading.get(ticker);
    if (!read) {
      read = this.fresh(ticker)
        .catch((error: unknown) => {
          this.logger.warn({ ticker, error_name: errorName(error) }, 'ticker control read failed');
          return known?.control;
        })
        .finally(() => this.reading.delete(ticker));
      this.reading.set(ticker, read);
    }
    return read;
  }

  /** A strongly consistent read now (fetch-lock holders and waiters); rejects when DynamoDB fails. */
  async fresh(ticker: string): Promise<TickerControl> {
    const control = await this.store.readControl(ticker);
    this.remember(ticker, control);
    return control;
  }

  /** The newest epoch this instance knows of, without reading. */
  latestEpoch(ticker: string): number | undefined {
    return this.known.get(ticker)?.control.epoch;
  }

  isUnknown(ticker: string, control: TickerControl | undefined): boolean {
    const until = Math.max(control?.unknownUntil ?? 0, this.unknownUntil.get(ticker) ?? 0);
    return until > this.clock.now().getTime();
  }

  /** The providers answered 404: remembered here at once and in DynamoDB before the lock is released. */
  async markUnknown(ticker: string): Promise<void> {
    const until = this.clock.now().getTime() + UNKNOWN_TICKER_TTL_MS;
    this.unknownUntil.set(ticker, until);
    if (!this.store.usable()) return;
    await this.store.markUnknown(ticker, until, deadlineIn(MARK_UNKNOWN_BUDGET_MS)).catch((error: unknown) => {
      this.logger.warn({ ticker, error_name: errorName(error) }, 'could not store that the providers do not know the ticker');
    });
  }

  /** After this instance bumped the epoch: trust it at once, and forget "unknown" with the rest. */
  invalidated(ticker: string, epoch: number): void {
    this.unknownUntil.delete(ticker);
    this.remember(ticker, { epoch, unknownUntil: 0 });
  }

  private remember(ticker: string, control: TickerControl): void {
    const previous = this.known.get(ticker)?.control.epoch ?? 0;
    // A read that started before a local bump must not move the epoch back.
    this.known.set(ticker, { control: control.epoch >= previous ? control : { ...control, epoch: previous }, readAt: Date.now() });
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
