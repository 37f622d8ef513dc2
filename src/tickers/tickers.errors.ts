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
