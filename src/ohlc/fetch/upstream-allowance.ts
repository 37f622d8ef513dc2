import { Injectable } from '@nestjs/common';
import { Settings } from '../../config/settings';
import { QuotaExhaustedError } from '../../quota/quota.errors';
import { QuotaReservation, QuotaService } from '../../quota/quota.service';
import { ReservedAhead } from '../../quota/reserved-ahead';
import { UserRateLimitedError } from '../ohlc.errors';
import { OhlcMetrics } from '../ohlc.metrics';

/** Quota counter family of the per-user allowance: `QUOTA#ohlc_user#{sub}` in QUOTA_TABLE. */
export const USER_ALLOWANCE = 'ohlc_user';

/**
 * One request's charge: one unit however many gaps it fetches. `hold()` reserves it ahead, beside
 * the fetch lock and the re-check; `use()` takes it right before a provider call (rejecting with
 * UserRateLimitedError past the allowance); a unit no gap used is given back.
 */
export interface UpstreamCharge {
  hold(): () => void;
  use(): Promise<void>;
}

/**
 * Each user's fair share of the shared provider quota (OHLC_USER_UPSTREAM_PER_HOUR), counted across
 * instances by the quota service. Only requests that call a provider are charged; answers from a
 * cache layer, or from another instance's fetch, never are (a unit reserved ahead for them goes back).
 */
@Injectable()
export class UpstreamAllowance {
  constructor(
    private readonly quota: QuotaService,
    private readonly settings: Settings,
    private readonly metrics: OhlcMetrics,
  ) {}

  chargeFor(userId: string): UpstreamCharge {
    const unit = new ReservedAhead(() => this.reserve(userId), (reservation) => this.quota.release(reservation));
    let limitedCounted = false;
    return {
      hold: () => unit.hold(),
      use: async () => {
        try {
          await unit.use();
        } catch (error) {
          if (error instanceof UserRateLimitedError && !limitedCounted) {
            limitedCounted = true;
            this.metrics.userLimited.inc();
          }
          throw error;
        }
      },
    };
  }

  private async reserve(userId: string): Promise<QuotaReservation> {
    const limit = this.settings.ohlcUserUpstreamPerHour;
    try {
      return await this.quota.reserveAllowance(USER_ALLOWANCE, userId, [{ window: 'hour', limit }]);
    } catch (error) {
      if (!(error instanceof QuotaExhaustedError)) throw error;
      throw new UserRateLimitedError(limit, 'hour', error.retryAfterSeconds, error);
    }
  }
}
