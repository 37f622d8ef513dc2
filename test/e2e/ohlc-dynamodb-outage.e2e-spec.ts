import request from 'supertest';
import { findFreePort } from '../../scripts/local-stack/free-port';
import { AwsClients } from '../../src/infrastructure/aws-clients';
import { Clock } from '../../src/resilience/clock';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startTestApp, type TestApp } from '../support/test-app';
import { countSdkRequests } from '../support/sdk-request-counter';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { CandleBody, simulatorEnv } from './ohlc.fixtures';

const NOW = new Date('2026-11-30T22:00:00.000Z');

describe('OHLC candles while DynamoDB is unreachable (e2e)', () => {
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let testApp: TestApp;
  let auth: string;
  let dynamodbCalls: { readonly count: number };

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator({ clock: () => NOW });
    // Nothing listens on a port we just found free: every DynamoDB call is refused.
    const closedPort = await findFreePort();
    testApp = await startTestApp(
      {
        ...resources.env,
        ...simulatorEnv(simulator),
        AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${closedPort}`,
        // The quota reserve before each provider call is system of record (4 calls, 1.75–3.5 s of
        // waits while its own breaker stays closed): the budget leaves it room inside Tiingo's share.
        REQUEST_DEADLINE_MS: '10000',
      },
      { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: () => NOW }) },
    );
    // The document client shares this middleware stack, so every DynamoDB request is counted.
    dynamodbCalls = countSdkRequests(testApp.app.get(AwsClients).dynamodb);
    auth = await testApp.bearer('user-1');
  });
  afterAll(async () => {
    await testApp?.close();
    await simulator?.close();
    await resources?.destroy();
  });

  const circuits = () => request(testApp.server).get('/health/circuits').expect(200);
  const ohlc = (ticker: string, start: string, end: string) =>
    request(testApp.server).get(`/api/v2/tickers/${ticker}/ohlc`).query({ start_date: start, end_date: end }).set('Authorization', auth);

  const layerErrors = async (): Promise<number> => {
    const text = (await request(testApp.server).get('/metrics').expect(200)).text;
    return Number(/^ohlc_dynamodb_layer_errors_total (\d+)$/m.exec(text)?.[1]);
  };

  it('answers from a provider, opens the dynamodb_cache breaker after 3 failed calls and then leaves the cache layer alone', async () => {
    expect((await circuits()).body.circuits.dynamodb_cache).toBe('CLOSED');

    const first = await ohlc('AAPL', '2026-11-02', '2026-11-06').expect(200);
    expect(first.headers['x-cache-source']).toBe('tiingo');
    expect((first.body as CandleBody).count).toBe(5);
    // Every cold request makes at least one logical call to the cache layer (the ticker's control
    // item), and each fails after its retry: three in a row open the breaker.
    for (const [ticker, start, end] of [['MSFT', '2026-11-02', '2026-11-06'], ['AAPL', '2026-11-09', '2026-11-13']] as const) {
      expect((await ohlc(ticker, start, end).expect(200)).headers['x-cache-source']).toBe('tiingo');
    }
    expect((await circuits()).body.circuits.dynamodb_cache).toBe('OPEN');
    const cacheErrorsWhenOpened = await layerErrors();
    const callsWhenOpened = dynamodbCalls.count;

    const whileOpen = await Promise.all([ohlc('MSFT', '2026-11-16', '2026-11-20'), ohlc('AAPL', '2026-11-16', '2026-11-20')]);
    const repeated = await ohlc('AAPL', '2026-11-02', '2026-11-06').expect(200);

    expect(whileOpen.map((res) => [res.status, res.headers['x-cache-source']])).toEqual([
      [200, 'tiingo'],
      [200, 'tiingo'],
    ]);
    expect(repeated.headers['x-cache-source']).toBe('in-memory');
    expect(repeated.body).toEqual(first.body);
    expect(await layerErrors()).toBe(cacheErrorsWhenOpened);
    // What still reaches DynamoDB is the system of record (its own breaker), never the cache layer:
    // per cold request the provider's quota and the user's allowance, 4 attempts each at most.
    expect(dynamodbCalls.count - callsWhenOpened).toBeLessThanOrEqual(2 * 2 * 4);
  });
});
