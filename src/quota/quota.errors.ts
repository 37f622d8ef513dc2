import type { QuotaWindowUnit } from '../config/settings';
import { AppError } from '../common/errors/app-error';

/**
 * A reservation would pass at least one window's limit; nothing was counted. Callers with an
 * alternative (another provider) catch it and fail over; uncaught it becomes 429 `THROTTLED` with
 * `Retry-After` = `retryAfterSeconds`.
 */
export class QuotaExhaustedError extends AppError {
  readonly code = 'THROTTLED';
  declare readonly retryAfterSeconds: number;

  constructor(
    readonly service: string,
    /** The windows that had no room left for this reservation. */
    readonly exhaustedWindows: readonly QuotaWindowUnit[],
    /** When every exhausted window has reset, i.e. the earliest moment a retry can succeed. */
    readonly resetsAt: Date,
    retryAfterSeconds: number,
  ) {
    super(`The ${service} quota is used up; try again later`, {
      details: { dependency: service, exhausted_windows: [...exhaustedWindows] },
      retryAfterSeconds,
    });
  }
}

/** A service name that has no quota windows configured: a programming error, not a client error. */
export class UnknownQuotaServiceError extends Error {
  constructor(service: string) {
    super(`No quota is configured for service "${service}"`);
    this.name = UnknownQuotaServiceError.name;
  }
}
