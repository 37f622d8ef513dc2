import type { DependencyName } from '../../config/settings';
import { AppError } from './app-error';

/**
 * What `details.dependency` may name: one of the guarded dependencies, the market-data providers
 * as a whole, the identity provider that publishes the token signing keys (JWKS), or this
 * instance's capacity for live streams.
 */
export type ExternalDependency = DependencyName | 'market-data' | 'identity-provider' | 'live-streams';

/** A dependency kept throttling us after every allowed retry. */
export class DependencyThrottledError extends AppError {
  readonly code = 'THROTTLED';
  constructor(readonly dependency: ExternalDependency, retryAfterSeconds: number, cause?: unknown) {
    super(`${dependency} is throttling requests; try again later`, {
      details: { dependency },
      retryAfterSeconds,
      cause,
    });
  }
}

/** A dependency failed, or its circuit breaker is open. */
export class DependencyUnavailableError extends AppError {
  readonly code = 'DEPENDENCY_UNAVAILABLE';
  constructor(readonly dependency: ExternalDependency, retryAfterSeconds: number, cause?: unknown) {
    super(`${dependency} is unavailable; try again later`, { details: { dependency }, retryAfterSeconds, cause });
  }
}

/** The request's deadline passed while waiting for a dependency. */
export class DependencyTimeoutError extends AppError {
  readonly code = 'DEPENDENCY_TIMEOUT';
  constructor(readonly dependency: ExternalDependency, retryAfterSeconds = 1, cause?: unknown) {
    super(`${dependency} did not answer in time`, { details: { dependency }, retryAfterSeconds, cause });
  }
}
