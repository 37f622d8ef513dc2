import type { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { testSettings } from '../../test/support/test-settings';
import type { AwsHealthIndicator } from '../infrastructure/aws-health.indicator';
import { ReadinessCache } from './readiness.cache';

const UP: HealthCheckResult = { status: 'ok', info: {}, error: {}, details: { 'dynamodb:t': { status: 'up' } } };
const DOWN: HealthCheckResult = { status: 'error', info: {}, error: {}, details: { 'dynamodb:t': { status: 'down', error: 'InternalServerError' } } };

describe(ReadinessCache.name, () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-22T10:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  function cacheWith(check: jest.Mock): ReadinessCache {
    const aws = { checks: () => [] } as unknown as AwsHealthIndicator;
    return new ReadinessCache(testSettings({ HEALTH_READY_CACHE_MS: '2000' }), { check } as unknown as HealthCheckService, aws);
  }

  it('runs the checks once for any number of concurrent probes, and again only after the interval', async () => {
    let finish!: (result: HealthCheckResult) => void;
    const check = jest.fn(() => new Promise<HealthCheckResult>((resolve) => (finish = resolve)));
    const cache = cacheWith(check);

    const probes = Array.from({ length: 40 }, () => cache.current());
    finish(UP);
    const answers = await Promise.all(probes);

    expect(check).toHaveBeenCalledTimes(1);
    expect(answers.every((answer) => answer.ready)).toBe(true);
    jest.advanceTimersByTime(1999);
    await cache.current();
    expect(check).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    check.mockResolvedValueOnce(UP);
    await cache.current();
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('reports not ready with the terminus body when a check is down (terminus rejects with it)', async () => {
    const check = jest.fn(() => Promise.reject(Object.assign(new Error('Service Unavailable'), { getResponse: () => DOWN })));

    await expect(cacheWith(check).current()).resolves.toEqual({ ready: false, body: DOWN });
  });
});
