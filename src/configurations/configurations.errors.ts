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

// Lives with the ticker list, which decides it; configurations and OHLC both raise it.
export { InvalidTickerError, type InvalidTickerReason } from '../tickers/tickers.errors';
