import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { bootstrapAwsResources } from '../../scripts/local-stack/bootstrap';
import { startDynamoDbLocal, type DynamoDbLocalHandle } from '../../scripts/local-stack/dynamodb-local';
import { eventually } from '../support/eventually';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { Clock } from '../../src/resilience/clock';
import { simulatorEnv } from './ohlc.fixtures';

/**
 * The service's wall clock, held still in the middle of a minute: the fallback budgets count per
 * window, and a minute (or hour) that rolled over mid-test would legitimately grant a second call.
 */
const NOW = new Date('2026-11-30T22:00:30.000Z');

/** A labelled series that was never set is not exported at all: that reads as 0. */
const metricValue = (text: string, name: string, service: string): number => {
  const match = new RegExp(`^${name}\\{service="${service}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
};

/**
 * The quota's DynamoDB stops (a private DynamoDB Local, stopped and restarted on the same data):
 * OHLC requests go on within the per-instance fallback budget (floor(limit × 0.2) per window),
 * then get 429; the admin overview cannot be answered without DynamoDB and says 503.
 */
describe('quota fallback through a real DynamoDB outage (e2e)', () => {
  let resources: TestAwsResources;
  let dataDir: string;
  let dynamodb: DynamoDbLocalHandle;
  let simulator: MarketDataSimulator;
  let testApp: TestApp;

  const week = { resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-09' };
  const ohlc = async (ticker: string) =>
    request(testApp.server).get(`/api/v2/tickers/${ticker}/ohlc`).query(week).set('Authorization', await testApp.bearer('user-1'));
  const overview = async () => request(testApp.server).get('/api/v2/quota').set('Authorization', await testApp.bearer('ops-1', { roles: ['admin'] }));
  const metrics = async () => (await request(testApp.server).get('/metrics').expect(200)).text;

  beforeAll(async () => {
    resources = await createTestAwsResources();
    dataDir = await mkdtemp(join(tmpdir(), 'quota-fallback-e2e-'));
    dynamodb = await startDynamoDbLocal({ dbPath: dataDir });
    // TTL off, as on every test table: the counters carry expiry times of the held clock's day,
    // already past in real time, and DynamoDB Local would sweep them mid-test.
    await bootstrapAwsResources({ ...resources, dynamodbEndpoint: dynamodb.endpoint }, { enableTtl: false });
    simulator = await startMarketDataSimulator();
    testApp = await startTestApp({
      ...resources.env,
      ...simulatorEnv(simulator),
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      // Fallback budgets: tiingo floor(10 × 0.2) = 2 per hour, finnhub floor(5 × 0.2) = 1 per minute.
      QUOTA_TIINGO_HOUR_LIMIT: '10',
      QUOTA_TIINGO_DAY_LIMIT: '1000',
      QUOTA_FINNHUB_MINUTE_LIMIT: '5',
      QUOTA_FALLBACK_FRACTION: '0.2',
      CIRCUIT_DYNAMODB_HALF_OPEN_AFTER_MS: '500',
    }, { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: () => new Date(NOW.getTime()) }) });
  }, 120_000);
  afterAll(async () => {
    await testApp?.close();
    await simulator?.close();
    await dynamodb?.stop();
    await resources?.destroy();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('spends no more than the fallback budgets while DynamoDB is down, refuses past them, and answers 503 for the overview', async () => {
    expect((await ohlc('AAPL')).headers['x-cache-source']).toBe('tiingo');
    expect(metricValue(await metrics(), 'quota_fallback_active', 'tiingo')).toBe(0);

    await dynamodb.stop();
    simulator.reset();
    const answers = [];
    for (const ticker of ['MSFT', 'NVDA', 'AMD', 'INTC']) answers.push(await ohlc(ticker));
    const duringOutage = await metrics();
    const quota = await overview();

    // Nothing fails open: at most the fallback budgets reach the providers (2 Tiingo, 1 Finnhub),
    // so at least one of the four requests is refused, with a Retry-After. Which provider answers
    // which request, and whether the refusal is 429 or 503, depends on how much of each request's
    // deadline the failing DynamoDB calls use up before the fallback decides.
    expect(simulator.calls('tiingo')).toBeLessThanOrEqual(2);
    expect(simulator.calls('finnhub')).toBeLessThanOrEqual(1);
    const refused = answers.filter((res) => res.status !== 200);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((res) => res.status === 200)).toHaveLength(4 - refused.length);
    for (const res of refused) {
      expect([429, 503]).toContain(res.status);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(metricValue(duringOutage, 'quota_fallback_active', 'tiingo') + metricValue(duringOutage, 'quota_fallback_active', 'finnhub')).toBeGreaterThanOrEqual(1);
    expect(quota.status).toBe(503);
    expect(quota.body).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: { dependency: 'dynamodb' } });
    expect(Number(quota.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    dynamodb = await startDynamoDbLocal({ port: dynamodb.port, dbPath: dataDir });
    const back = await eventually('the overview answers again', async () => {
      const res = await overview();
      return res.status === 200 ? res : undefined;
    });
    const afterOutage = await ohlc('IBM');

    // Only the calls counted in DynamoDB before the outage and after it show: fallback counts stay per instance.
    expect(back.body.services.tiingo.windows[0]).toMatchObject({ window: 'hour', used: 1, limit: 10 });
    expect(afterOutage.status).toBe(200);
    expect(afterOutage.headers['x-cache-source']).toBe('tiingo');
    expect(metricValue(await metrics(), 'quota_fallback_active', 'tiingo')).toBe(0);
  }, 120_000);
});
