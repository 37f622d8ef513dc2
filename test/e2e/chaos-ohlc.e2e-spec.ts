import request from 'supertest';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { eventually } from '../support/eventually';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import { signTestToken } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { simulatorEnv } from './ohlc.fixtures';

/** Monday–Friday of the week `weeksBack` weeks before 2026-11-23 (all sessions closed). */
function pastWeek(weeksBack: number): { start_date: string; end_date: string } {
  const monday = new Date(Date.UTC(2026, 10, 23) - weeksBack * 7 * 86_400_000);
  const friday = new Date(monday.getTime() + 4 * 86_400_000);
  return { start_date: monday.toISOString().slice(0, 10), end_date: friday.toISOString().slice(0, 10) };
}

/**
 * An instance that serves only OHLC traffic, behind a fault proxy, through a DynamoDB outage much
 * longer than its cache bypass (scaled down: a 1 s bypass instead of 60 s). Its only DynamoDB
 * traffic is its own OHLC requests, so recovery depends on those requests probing the cache layer.
 */
describe('OHLC on an OHLC-only instance through a DynamoDB outage (e2e)', () => {
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let proxy: DynamoDbFaultProxy;
  let reader: ServiceProcess;
  let auth: string;
  let weeksUsed = 0;

  const ohlc = (service: ServiceProcess, ticker: string, range: Record<string, string>) =>
    request(service.url).get(`/api/v2/tickers/${ticker}/ohlc`).query({ resolution: 'D', ...range }).set('Authorization', auth);
  /** A range this instance has never served: it cannot come from its memory. */
  const freshRange = () => pastWeek(10 + weeksUsed++);
  const cacheCircuit = async (): Promise<string> =>
    ((await request(reader.url).get('/health/circuits').expect(200)).body as { circuits: Record<string, string> }).circuits.dynamodb_cache;
  const cacheOpenedTotal = async (): Promise<number> => {
    const text = (await request(reader.url).get('/metrics').expect(200)).text;
    return Number(/^circuit_breaker_open_total\{name="dynamodb_cache"\} (\d+)$/m.exec(text)?.[1]);
  };

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator();
    proxy = await startDynamoDbFaultProxy(resources.dynamodbEndpoint);
    auth = `Bearer ${await signTestToken('ohlc-user')}`;
    const env = { ...resources.env, ...simulatorEnv(simulator) };
    // Another instance fills the shared cache table; stopping it flushes its pending writes.
    const writer = await startServiceProcess(env);
    await ohlc(writer, 'AAPL', pastWeek(1)).expect(200);
    await ohlc(writer, 'MSFT', pastWeek(1)).expect(200);
    expect(await writer.stop()).toBe(0);
    reader = await startServiceProcess({ ...env, AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, CIRCUIT_DYNAMODB_CACHE_HALF_OPEN_AFTER_MS: '1000' });
  }, 120_000);
  afterAll(async () => {
    await reader?.stop();
    await proxy?.close();
    await simulator?.close();
    await resources?.destroy();
  });

  it('bypasses the cache layer while DynamoDB is down and uses it again once it is back', async () => {
    expect((await ohlc(reader, 'AAPL', pastWeek(1)).expect(200)).headers['x-cache-source']).toBe('dynamodb');

    proxy.setFaults({ down: true });
    const duringOutage: request.Response[] = [];
    await eventually('the dynamodb_cache breaker opens', async () => {
      duringOutage.push(await ohlc(reader, 'AAPL', freshRange()));
      return (await cacheCircuit()) === 'OPEN';
    });
    // Cool-downs run out and the instance's own requests probe DynamoDB, which is still down.
    const opened = await cacheOpenedTotal();
    await eventually('a failed probe re-opens the breaker', async () => {
      duringOutage.push(await ohlc(reader, 'AAPL', freshRange()));
      return (await cacheOpenedTotal()) > opened;
    });

    proxy.clearFaults();
    await eventually('the cache layer is used again', async () => {
      await ohlc(reader, 'AAPL', freshRange()).expect(200);
      return (await cacheCircuit()) === 'CLOSED';
    });
    const afterRecovery = await ohlc(reader, 'MSFT', pastWeek(1)).expect(200);

    // Answered by a provider; which one is not the point (the quota reserve before a Tiingo call is
    // system of record and may use up Tiingo's share of the deadline until its own breaker opens).
    expect(duringOutage.filter((res) => res.status !== 200 || !['tiingo', 'finnhub'].includes(String(res.headers['x-cache-source'])))).toEqual([]);
    expect(afterRecovery.headers['x-cache-source']).toBe('dynamodb');
  }, 120_000);
});
