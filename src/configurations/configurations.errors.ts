import { AppError } from '../common/errors';

export class ConfigLimitReachedError extends AppError {
  readonly code = 'CONFIG_LIMIT_REACHED';
  constructor(maxAllowed: number) {
    super(`Maximum configurations (${maxAllowed}) reached`, { details: { max_allowed: maxAllowed } });
  }
}

export class IdempotencyKeyReusedError extends AppError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor() {
    super('This Idempotency-Key was already used with a different request body');
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
