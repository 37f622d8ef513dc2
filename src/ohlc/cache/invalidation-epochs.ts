import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { OhlcCacheRepository } from './ohlc-cache.repository';

/**
 * How long an instance trusts its copy of a ticker's epoch. Below the 5 s promise of the admin
 * DELETE, leaving room for the request that notices the change.
 */
export const EPOCH_MAX_AGE_MS = 4000;

interface KnownEpoch {
  readonly value: number;
  readonly readAt: number;
}

/**
 * Per-ticker invalidation epochs (EPOCH#{TICKER}). The admin DELETE bumps one; every instance
 * compares it with the epoch its memory entry was loaded under before serving from memory.
 */
@Injectable()
export class InvalidationEpochs {
  private readonly known = new Map<string, KnownEpoch>();
  private readonly reading = new Map<string, Promise<number | undefined>>();

  constructor(
    private readonly repository: OhlcCacheRepository,
    @InjectPinoLogger(InvalidationEpochs.name) private readonly logger: PinoLogger,
  ) {}

  /**
   * The ticker's epoch, read again when the local copy is older than EPOCH_MAX_AGE_MS. Undefined
   * when it was never read and cannot be now (DynamoDB down): memory then keeps serving.
   */
  current(ticker: string, dynamodbUsable: boolean): Promise<number | undefined> {
    const known = this.known.get(ticker);
    if (known && Date.now() - known.readAt < EPOCH_MAX_AGE_MS) return Promise.resolve(known.value);
    if (!dynamodbUsable) return Promise.resolve(known?.value);
    let read = this.reading.get(ticker);
    if (!read) {
      read = this.repository
        .readEpoch(ticker)
        .then((value) => {
          this.remember(ticker, value);
          return value;
        })
        .catch((error: unknown) => {
          this.logger.warn({ ticker, error_name: error instanceof Error ? error.name : typeof error }, 'epoch read failed');
          return known?.value;
        })
        .finally(() => this.reading.delete(ticker));
      this.reading.set(ticker, read);
    }
    return read;
  }

  remember(ticker: string, value: number): void {
    this.known.set(ticker, { value, readAt: Date.now() });
  }
}
