import { QuotaExhaustedError } from '../../src/quota/quota.errors';
import { QuotaService } from '../../src/quota/quota.service';
import { FakeQuotaClock, QuotaTestContext, startQuotaModule } from '../support/quota-test-module';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

const DAY_MS = 86_400_000;

async function reserveConcurrently(quota: QuotaService, service: string, count: number): Promise<{ granted: number; denied: number }> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => quota.reserve(service)));
  const unexpected = results.find((r) => r.status === 'rejected' && !(r.reason instanceof QuotaExhaustedError));
  if (unexpected) throw (unexpected as PromiseRejectedResult).reason;
  // A grant from the per-instance fallback budget would mean DynamoDB was not the one counting.
  const granted = results.filter((r) => r.status === 'fulfilled' && !r.value.fromFallback).length;
  return { granted, denied: count - granted };
}

const usedOf = async (quota: QuotaService, service: string): Promise<Record<string, number>> =>
  Object.fromEntries((await quota.usage(service)).windows.map((w) => [w.window, w.used]));

describe(QuotaService.name, () => {
  let resources: TestAwsResources;
  let ctx: QuotaTestContext;
  const clock = new FakeQuotaClock(new Date('2026-11-22T14:05:00Z'));

  beforeAll(async () => {
    resources = await createTestAwsResources();
    ctx = await startQuotaModule(
      {
        ...resources.env,
        // These tests are about counting, not latency: DynamoDB Local serialises transactions, so
        // 200 at once need time, and its slow socket accepts at start must not trip the breaker.
        REQUEST_DEADLINE_MS: '30000',
        CIRCUIT_DYNAMODB_MINIMUM_CALLS: '1000000',
        QUOTA_TIINGO_HOUR_LIMIT: '100',
        QUOTA_TIINGO_DAY_LIMIT: '100000',
        QUOTA_FINNHUB_MINUTE_LIMIT: '100',
      },
      clock,
    );
    // Opens the client's keep-alive sockets before the first burst of 200 concurrent writes.
    await Promise.all(Array.from({ length: 200 }, () => ctx.quota.usage('sendgrid')));
  });
  afterAll(async () => {
    await ctx.close();
    await resources.destroy();
  });

  it('counts exactly 100 + 100 concurrent reserves of two services, 100 rounds in a row', async () => {
    clock.set('2027-01-01T10:00:00Z');
    for (let round = 0; round < 100; round += 1) {
      clock.advance(DAY_MS); // fresh windows for every round
      const [tiingo, finnhub] = await Promise.all([
        reserveConcurrently(ctx.quota, 'tiingo', 100),
        reserveConcurrently(ctx.quota, 'finnhub', 100),
      ]);
      expect({ round, tiingo, finnhub }).toEqual({ round, tiingo: { granted: 100, denied: 0 }, finnhub: { granted: 100, denied: 0 } });
      expect({ round, tiingo: await usedOf(ctx.quota, 'tiingo'), finnhub: await usedOf(ctx.quota, 'finnhub') }).toEqual({
        round,
        tiingo: { hour: 100, day: 100 },
        finnhub: { minute: 100 },
      });
    }
  }, 240_000);

  it('fills the last 50 of a window with 50 concurrent reserves and refuses the 101st until the hour ends', async () => {
    clock.set('2026-11-22T14:59:30Z');
    await ctx.quota.reserve('tiingo', 50);

    expect(await reserveConcurrently(ctx.quota, 'tiingo', 50)).toEqual({ granted: 50, denied: 0 });
    const denial = await ctx.quota.reserve('tiingo').catch((e: unknown) => e);

    expect(denial).toBeInstanceOf(QuotaExhaustedError);
    expect(denial).toMatchObject({ code: 'THROTTLED', retryAfterSeconds: 30, exhaustedWindows: ['hour'] });
    expect(await ctx.quota.usage('tiingo')).toMatchObject({
      state: 'exhausted',
      windows: [
        { window: 'hour', used: 100, limit: 100, remaining: 0, resetsAt: new Date('2026-11-22T15:00:00Z') },
        { window: 'day', used: 100, limit: 100000, remaining: 99900 },
      ],
    });
  });

  it('never lets concurrent readers see a count go down or pass the limit', async () => {
    clock.set('2026-11-23T08:00:00Z');
    let writing = true;
    const seen: { hour: number; day: number }[][] = [[], []];
    const readers = seen.map(async (series) => {
      while (writing) {
        const used = await usedOf(ctx.quota, 'tiingo');
        series.push({ hour: used.hour, day: used.day });
      }
    });
    const writers = await reserveConcurrently(ctx.quota, 'tiingo', 150).finally(() => (writing = false));
    await Promise.all(readers);

    expect(writers).toEqual({ granted: 100, denied: 50 });
    for (const series of seen) {
      expect(series.length).toBeGreaterThan(0);
      series.forEach((reading, i) => {
        expect(reading.hour).toBeLessThanOrEqual(100);
        if (i > 0) expect(reading.hour).toBeGreaterThanOrEqual(series[i - 1].hour);
        if (i > 0) expect(reading.day).toBeGreaterThanOrEqual(series[i - 1].day);
      });
    }
    expect(await usedOf(ctx.quota, 'tiingo')).toEqual({ hour: 100, day: 100 });
  });

  it('starts a new hour at 0 while the day keeps counting', async () => {
    clock.set('2026-11-24T09:59:59Z');
    await ctx.quota.reserve('tiingo', 3);
    clock.set('2026-11-24T10:00:00Z');

    expect(await usedOf(ctx.quota, 'tiingo')).toEqual({ hour: 0, day: 3 });
    await ctx.quota.reserve('tiingo');
    expect(await usedOf(ctx.quota, 'tiingo')).toEqual({ hour: 1, day: 4 });
  });
});
