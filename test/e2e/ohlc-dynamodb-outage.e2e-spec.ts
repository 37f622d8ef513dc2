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
      { ...resources.env, ...simulatorEnv(simulator), AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${closedPort}` },
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

  it('answers from a provider, opens the dynamodb breaker after 3 failures and then leaves DynamoDB alone', async () => {
    expect((await circuits()).body.circuits.dynamodb).toBe('CLOSED');

    const first = await ohlc('AAPL', '2026-11-02', '2026-11-06').expect(200);

    expect(first.headers['x-cache-source']).toBe('tiingo');
    expect((first.body as CandleBody).count).toBe(5);
    expect((await circuits()).body.circuits.dynamodb).toBe('OPEN');
    expect(dynamodbCalls.count).toBe(3);

    const whileOpen = await Promise.all([ohlc('MSFT', '2026-11-02', '2026-11-06'), ohlc('AAPL', '2026-11-09', '2026-11-13')]);
    const repeated = await ohlc('AAPL', '2026-11-02', '2026-11-06').expect(200);

    expect(whileOpen.map((res) => [res.status, res.headers['x-cache-source']])).toEqual([
      [200, 'tiingo'],
      [200, 'tiingo'],
    ]);
    expect(repeated.headers['x-cache-source']).toBe('in-memory');
    expect(repeated.body).toEqual(first.body);
    expect(dynamodbCalls.count).toBe(3);
  });
});
