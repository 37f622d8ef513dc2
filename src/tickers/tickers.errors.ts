import { AppError } from '../common/errors';

/** The bucket answers but the ticker list object is not there (a deployment problem, not an outage). */
export class TickerListMissingError extends AppError {
  readonly code = 'DEPENDENCY_UNAVAILABLE';
  constructor(
    readonly bucket: string,
    readonly key: string,
    cause?: unknown,
  ) {
    super('The ticker list is not available', { details: { dependency: 's3' }, retryAfterSeconds: 30, cause });
  }
}

export type InvalidTickerReason = 'unknown' | 'delisted';

export class InvalidTickerError extends AppError {
  readonly code = 'INVALID_TICKER';
  constructor(symbol: string, reason: InvalidTickerReason, successorSymbol?: string | null) {
    super(reason === 'unknown' ? `Unknown ticker ${symbol}` : `Ticker ${symbol} is delisted`, {
      details: {
        symbol,
        reason,
        ...(reason === 'delisted' ? { successor_symbol: successorSymbol ?? null } : {}),
      },
    });
  }
}

/** The symbol must be an active entry of the ticker list (configurations, OHLC). */
export function assertActiveTicker(entry: { readonly isActive: boolean; readonly successorSymbol?: string | null } | undefined, symbol: string): void {
  if (entry === undefined) throw new InvalidTickerError(symbol, 'unknown');
  if (!entry.isActive) throw new InvalidTickerError(symbol, 'delisted', entry.successorSymbol);
}
