import { AppError } from '../../common/errors/app-error';
import { DependencyUnavailableError } from '../../common/errors/dependency.errors';

/** Seconds a refused client should wait: streams of a user end when they close a tab. */
export const STREAM_RETRY_AFTER_SECONDS = 5;

/** The user already has OHLC_LIVE_MAX_STREAMS_PER_USER open streams: 429 RATE_LIMITED. */
export class LiveStreamLimitError extends AppError {
  readonly code = 'RATE_LIMITED';

  constructor(limit: number) {
    super(`At most ${limit} live streams may be open at once; close one first`, {
      details: { limit, window: 'open_streams' },
      retryAfterSeconds: STREAM_RETRY_AFTER_SECONDS,
    });
  }
}

/** This instance holds OHLC_LIVE_MAX_STREAMS streams: 503, so the load balancer's retry lands elsewhere. */
export function liveCapacityError(): DependencyUnavailableError {
  return new DependencyUnavailableError('live-streams', STREAM_RETRY_AFTER_SECONDS);
}
