import { testSettings } from '../../../test/support/test-settings';
import { MetricsRegistry } from '../../observability/metrics.registry';
import { QuotaExhaustedError } from '../../quota/quota.errors';
import type { QuotaService } from '../../quota/quota.service';
import { UserRateLimitedError } from '../ohlc.errors';
import { OhlcMetrics } from '../ohlc.metrics';
import { USER_ALLOWANCE, UpstreamAllowance } from './upstream-allowance';

function allowanceWith(reserveAllowance: jest.Mock, release = jest.fn().mockResolvedValue(undefined)): UpstreamAllowance {
  const quota = { reserveAllowance, release } as unknown as QuotaService;
  return new UpstreamAllowance(quota, testSettings({ OHLC_USER_UPSTREAM_PER_HOUR: '7' }), new OhlcMetrics(new MetricsRegistry()));
}

const unit = { service: USER_ALLOWANCE, units: 1, fromFallback: false };
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe(UpstreamAllowance.name, () => {
  it('charges a request once, however many gaps ask, against the user\'s hourly allowance', async () => {
    const reserveAllowance = jest.fn().mockResolvedValue(unit);
    const charge = allowanceWith(reserveAllowance).chargeFor('user-1');

    await Promise.all([charge.use(), charge.use(), charge.use()]);

    expect(reserveAllowance).toHaveBeenCalledTimes(1);
    expect(reserveAllowance).toHaveBeenCalledWith(USER_ALLOWANCE, 'user-1', [{ window: 'hour', limit: 7 }]);
  });

  it('gives back a unit reserved ahead that no gap used, and keeps one that a gap used', async () => {
    const release = jest.fn().mockResolvedValue(undefined);
    const allowance = allowanceWith(jest.fn().mockResolvedValue(unit), release);
    const pickedUp = allowance.chargeFor('user-1');
    const fetched = allowance.chargeFor('user-1');

    pickedUp.hold()();
    const dropFetched = [fetched.hold(), fetched.hold()];
    dropFetched[0]();
    await fetched.use();
    dropFetched[1]();
    await settled();

    expect(release).toHaveBeenCalledTimes(1);
    expect(release).toHaveBeenCalledWith(unit);
  });

  it('turns a full allowance into 429 RATE_LIMITED with the limit, the window and the wait', async () => {
    const full = new QuotaExhaustedError(USER_ALLOWANCE, ['hour'], new Date('2026-11-30T23:00:00Z'), 1200);
    const charge = allowanceWith(jest.fn().mockRejectedValue(full)).chargeFor('user-1');

    const drop = charge.hold();
    const error = await charge.use().catch((e: unknown) => e);
    drop();

    expect(error).toBeInstanceOf(UserRateLimitedError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1200, details: { limit: 7, window: 'hour' } });
  });
});
