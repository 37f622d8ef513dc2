import { Injectable } from '@nestjs/common';
import { Settings } from '../../config/settings';
import { QuotaExhaustedError } from '../../quota/quota.errors';
import { QuotaService } from '../../quota/quota.service';
import { UserRateLimitedError } from '../ohlc.errors';
import { OhlcMetrics } from '../ohlc.metrics';

/** Quota counter family of the per-user allowance: `QUOTA#ohlc_user#{sub}` in QUOTA_TABLE. */
export const USER_ALLOWANCE = 'ohlc_user';

/**
 * Each user's fair share of the shared provider quota (OHLC_USER_UPSTREAM_PER_HOUR), counted across
 * instances by the quota service. Only requests that are about to call a provider are charged;
 * answers from a cache layer, or from another instance's fetch, never are.
 */
@Injectable()
export class UpstreamAllowance {
  constructor(
    private readonly quota: QuotaService,
    private readonly settings: Settings,
    private readonly metrics: OhlcMetrics,
  ) {}

  /** A charge for one request: however many gaps it fetches, the user pays one unit. */
  chargeFor(userId: string): () => Promise<void> {
    let charged: Promise<void> | undefined;
    return () => (charged ??= this.charge(userId));
  }

  private async charge(userId: string): Promise<void> {
    const limit = this.settings.ohlcUserUpstreamPerHour;
    try {
      await this.quota.reserveAllowance(USER_ALLOWANCE, userId, [{ window: 'hour', limit }]);
    } catch (error) {
      if (!(error instanceof QuotaExhaustedError)) throw error;
      this.metrics.userLimited.inc();
      throw new UserRateLimitedError(limit, 'hour', error.retryAfterSeconds, error);
    }
  }
}
