import { RequestContexts } from '../../src/common/http/request-context';
import { QuotaExhaustedError } from '../../src/quota/quota.errors';
import { QuotaService } from '../../src/quota/quota.service';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { FakeQuotaClock, QuotaTestContext, startQuotaModule } from '../support/quota-test-module';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

const usedOf = async (quota: QuotaService, service: string): Promise<Record<string, number>> =>
  Object.fromEntries((await quota.usage(service)).windows.map((w) => [w.window, w.used]));

describe(`${QuotaService.name} when DynamoDB applies a reservation but its answer is lost`, () => {
  let resources: TestAwsResources;
  let proxy: DynamoDbFaultProxy;
  let ctx: QuotaTestContext;
  const clock = new FakeQuotaClock(new Date('2026-11-25T16:10:00Z'));

  beforeAll(async () => {
    resources = await createTestAwsResources();
    proxy = await startDynamoDbFaultProxy(resources.dynamodbEndpoint);
    ctx = await startQuotaModule(
      {
        ...resources.env,
        AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
        QUOTA_TIINGO_HOUR_LIMIT: '3',
        QUOTA_FINNHUB_MINUTE_LIMIT: '2',
        REQUEST_DEADLINE_MS: '20000',
        CIRCUIT_DYNAMODB_MINIMUM_CALLS: '1000',
      },
      clock,
    );
  });
  afterAll(async () => {
    await ctx.close();
    await proxy.close();
    await resources.destroy();
  });

  it('counts the retried reservation once, in every window', async () => {
    proxy.loseResponsesOfNext(1, 'UpdateItem');
    const before = proxy.requests('UpdateItem');

    expect(await ctx.quota.reserve('tiingo')).toMatchObject({ fromFallback: false });

    // The first attempt was applied and answered 500; the retry found its own marker.
    expect(proxy.requests('UpdateItem') - before).toBe(2);
    expect(await usedOf(ctx.quota, 'tiingo')).toEqual({ hour: 1, day: 1 });
  });

  it('still grants a retried reservation that took the last unit of a window', async () => {
    clock.set('2026-11-25T17:20:00Z');
    await ctx.quota.reserve('tiingo', 2);
    proxy.loseResponsesOfNext(1, 'UpdateItem');

    expect(await ctx.quota.reserve('tiingo')).toMatchObject({ fromFallback: false });
    expect(await usedOf(ctx.quota, 'tiingo')).toEqual({ hour: 3, day: 4 });
    await expect(ctx.quota.reserve('tiingo')).rejects.toBeInstanceOf(QuotaExhaustedError);
  });

  it('gives back a released unit once, in the hour it was counted in, even when the answer is lost', async () => {
    clock.set('2026-11-26T19:59:30Z');
    const unit = await ctx.quota.reserve('tiingo');
    await ctx.quota.reserve('tiingo');
    clock.set('2026-11-26T20:00:10Z');
    proxy.loseResponsesOfNext(1, 'UpdateItem');
    const before = proxy.requests('UpdateItem');

    await ctx.quota.release(unit);

    expect(proxy.requests('UpdateItem') - before).toBe(2);
    expect(await usedOf(ctx.quota, 'tiingo')).toEqual({ hour: 0, day: 1 });
    clock.set('2026-11-26T19:59:40Z');
    expect(await usedOf(ctx.quota, 'tiingo')).toEqual({ hour: 1, day: 1 });
  });

  it('gives a unit back after the answer, when the request that reserved it has used up its deadline', async () => {
    clock.set('2026-11-27T15:30:00Z');
    const unit = await ctx.quota.reserve('tiingo');
    const spent = AbortSignal.abort();

    await RequestContexts.run({ requestId: 'spent-1', deadline: spent, deadlineAt: Date.now() - 1 }, () => ctx.quota.release(unit));

    expect(await usedOf(ctx.quota, 'tiingo')).toEqual({ hour: 0, day: 0 });
  });

  it('keeps minute windows exact across a lost answer and a new minute', async () => {
    clock.set('2026-11-25T18:00:30Z');
    proxy.loseResponsesOfNext(1, 'UpdateItem');
    await ctx.quota.reserve('finnhub');
    await ctx.quota.reserve('finnhub');
    await expect(ctx.quota.reserve('finnhub')).rejects.toMatchObject({ exhaustedWindows: ['minute'], retryAfterSeconds: 30 });

    clock.set('2026-11-25T18:01:00Z');
    expect(await usedOf(ctx.quota, 'finnhub')).toEqual({ minute: 0 });
    await ctx.quota.reserve('finnhub');
    expect(await usedOf(ctx.quota, 'finnhub')).toEqual({ minute: 1 });
  });
});
