import type { PinoLogger } from 'nestjs-pino';
import { testSettings } from '../../test/support/test-settings';
import { DependencyThrottledError, DependencyUnavailableError } from '../common/errors/dependency.errors';
import { MetricsRegistry } from '../observability/metrics.registry';
import { Clock } from '../resilience/clock';
import { QuotaExhaustedError, UnknownQuotaServiceError } from './quota.errors';
import { QuotaObserver } from './quota-observer';
import type { QuotaRepository, ReserveOutcome } from './quota.repository';
import { QuotaService } from './quota.service';
import type { QuotaDay, QuotaWindowSlot } from './quota-windows';

class FakeRepository {
  readonly counts = new Map<string, number>();
  failure: Error | undefined;

  async reserve(service: string, day: QuotaDay, slots: readonly QuotaWindowSlot[], n: number): Promise<ReserveOutcome> {
    if (this.failure) throw this.failure;
    const key = (s: QuotaWindowSlot): string => `${service}|${day.sk}|${s.attribute}`;
    const used = slots.map((s) => this.counts.get(key(s)) ?? 0);
    const exhausted = slots.flatMap((s, i) => (used[i] + n > s.limit ? [i] : []));
    if (exhausted.length > 0) return { granted: false, exhausted, used };
    slots.forEach((s, i) => this.counts.set(key(s), used[i] + n));
    return { granted: true, used: used.map((u) => u + n) };
  }

  async read(service: string, day: QuotaDay, slots: readonly QuotaWindowSlot[]): Promise<number[]> {
    if (this.failure) throw this.failure;
    return slots.map((s) => this.counts.get(`${service}|${day.sk}|${s.attribute}`) ?? 0);
  }
}

describe(QuotaService.name, () => {
  let now: Date;
  let repository: FakeRepository;
  let metrics: MetricsRegistry;
  let logger: { warn: jest.Mock; info: jest.Mock };
  let service: QuotaService;

  beforeEach(() => {
    now = new Date('2026-11-22T14:59:00Z');
    repository = new FakeRepository();
    metrics = new MetricsRegistry();
    logger = { warn: jest.fn(), info: jest.fn() };
    const settings = testSettings({ QUOTA_TIINGO_HOUR_LIMIT: '10', QUOTA_TIINGO_DAY_LIMIT: '12', QUOTA_FALLBACK_FRACTION: '0.25' });
    const clock: Clock = { now: () => new Date(now) };
    const observer = new QuotaObserver(metrics, logger as unknown as PinoLogger);
    service = new QuotaService(settings, repository as unknown as QuotaRepository, clock, observer);
  });

  const metric = async (name: string, labels: Record<string, string>): Promise<number | undefined> => {
    const values = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
  };
  const denialOf = (promise: Promise<unknown>): Promise<QuotaExhaustedError> =>
    promise.then(() => { throw new Error('expected a denial'); }, (e: unknown) => e as QuotaExhaustedError);

  it('knows the configured services with their default windows', async () => {
    expect(service.services()).toEqual(['tiingo', 'finnhub', 'sendgrid']);
    expect((await service.usage('finnhub')).windows).toEqual([
      { window: 'minute', used: 0, limit: 60, remaining: 60, resetsAt: new Date('2026-11-22T15:00:00Z') },
    ]);
  });

  it('refuses once a window is full, waiting until every full window has reset', async () => {
    await service.reserve('tiingo', 10);
    const hourFull = await denialOf(service.reserve('tiingo'));
    expect(hourFull).toBeInstanceOf(QuotaExhaustedError);
    expect(hourFull).toMatchObject({ code: 'THROTTLED', retryAfterSeconds: 60, exhaustedWindows: ['hour'] });

    now = new Date('2026-11-22T15:00:00Z');
    await service.reserve('tiingo', 2);
    const dayFull = await denialOf(service.reserve('tiingo'));
    expect(dayFull).toMatchObject({ exhaustedWindows: ['day'], retryAfterSeconds: 9 * 3600, resetsAt: new Date('2026-11-23T00:00:00Z') });
    expect(await metric('quota_denied_total', { service: 'tiingo' })).toBe(2);
  });

  it('refuses a reservation larger than a limit without asking DynamoDB', async () => {
    repository.failure = new Error('must not be called');
    await expect(service.reserve('tiingo', 11)).rejects.toBeInstanceOf(QuotaExhaustedError);
  });

  it('rejects services without a quota and non-positive amounts', async () => {
    await expect(service.reserve('polygon')).rejects.toBeInstanceOf(UnknownQuotaServiceError);
    await expect(service.reserve('tiingo', 0)).rejects.toBeInstanceOf(RangeError);
    await expect(service.reserve('constructor')).rejects.toBeInstanceOf(UnknownQuotaServiceError);
  });

  it('reports the worst window and logs each threshold once per window', async () => {
    await service.reserve('tiingo', 5);
    await service.reserve('tiingo', 1);
    expect(await service.usage('tiingo')).toMatchObject({ state: 'warning', windows: [{ used: 6, remaining: 4 }, { used: 6, remaining: 6 }] });
    await service.usage('tiingo');
    expect(logger.warn.mock.calls.map(([, msg]) => msg)).toEqual(['quota tiingo/hour is warning', 'quota tiingo/day is warning']);
    expect(await metric('quota_used_ratio', { service: 'tiingo', window: 'hour' })).toBe(0.6);

    await service.reserve('tiingo', 3);
    expect((await service.usage('tiingo')).state).toBe('critical');
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ window: 'hour', used: 9 }), 'quota tiingo/hour is critical');
  });

  it('counts against a per-instance budget while DynamoDB is unavailable, and says so', async () => {
    repository.failure = new DependencyUnavailableError('dynamodb', 5);
    // floor(10 × 0.25) = 2 for the hour, floor(12 × 0.25) = 3 for the day
    expect(await service.reserve('tiingo')).toMatchObject({ fromFallback: true });
    expect(await service.reserve('tiingo')).toMatchObject({ fromFallback: true });
    await expect(service.reserve('tiingo')).rejects.toMatchObject({ exhaustedWindows: ['hour'] });

    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ budgets: { hour: 2, day: 3 } }), expect.stringContaining('fallback'));
    expect(await metric('quota_fallback_total', { service: 'tiingo' })).toBe(3);
    expect(await metric('quota_fallback_active', { service: 'tiingo' })).toBe(1);

    repository.failure = undefined;
    expect(await service.reserve('tiingo')).toMatchObject({ fromFallback: false });
    expect(await metric('quota_fallback_active', { service: 'tiingo' })).toBe(0);
  });

  it('does not fall back when DynamoDB is up but throttling', async () => {
    repository.failure = new DependencyThrottledError('dynamodb', 2);
    await expect(service.reserve('tiingo')).rejects.toBeInstanceOf(DependencyThrottledError);
    expect(await metric('quota_fallback_total', { service: 'tiingo' })).toBeUndefined();
  });
});
