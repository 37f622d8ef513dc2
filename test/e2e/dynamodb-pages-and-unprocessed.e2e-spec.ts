import { candlePk } from '../../src/ohlc/store/ohlc-cache.items';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { WriteBehindQueue } from '../../src/ohlc/fetch/write-behind';
import { CONFIGURATIONS, createConfiguration, validBody } from '../support/configurations';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { CandleBody, simulatorEnv } from './ohlc.fixtures';

/**
 * DynamoDB answers the service must follow through: Query results in pages (the proxy adds a
 * small Limit, so DynamoDB Local pages long before its 1 MB page size) and BatchWriteItem
 * handing items back unprocessed, as a throttled table does. Real DynamoDB Local behind the proxy.
 */
describe('DynamoDB pages and unprocessed items (e2e)', () => {
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let proxy: DynamoDbFaultProxy;
  let env: Record<string, string>;
  const apps: TestApp[] = [];

  /** A new instance each time: nothing in memory, so answers come from DynamoDB or a provider. */
  const startInstance = async (): Promise<TestApp> => {
    const app = await startTestApp(env);
    apps.push(app);
    return app;
  };
  const ohlc = async (app: TestApp, ticker: string, query: Record<string, string>) =>
    request(app.server).get(`/api/v2/tickers/${ticker}/ohlc`).query(query).set('Authorization', await app.bearer('user-1'));
  const flushWrites = (app: TestApp) => app.app.get(WriteBehindQueue).flush(30_000);

  async function storedCount(pk: string): Promise<number> {
    const dynamo = new DynamoDBClient({ region: resources.region, endpoint: resources.dynamodbEndpoint });
    try {
      const input = { TableName: resources.tables.ohlcCache, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } };
      const out = await dynamo.send(new QueryCommand({ ...input, ConsistentRead: true, Select: 'COUNT' }));
      return out.Count ?? 0;
    } finally {
      dynamo.destroy();
    }
  }

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator();
    proxy = await startDynamoDbFaultProxy(resources.dynamodbEndpoint);
    env = { ...resources.env, ...simulatorEnv(simulator), AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint };
  });
  afterEach(() => {
    proxy.pageQueries(null);
    proxy.leaveUnprocessed(0);
    simulator.reset();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await proxy?.close();
    await simulator?.close();
    await resources?.destroy();
  });

  it('reads 780 cached five-minute candles back from DynamoDB across Query pages of 100', async () => {
    const query = { resolution: '5', start_date: '2026-11-02', end_date: '2026-11-13' };
    const writer = await startInstance();
    const fetched = await ohlc(writer, 'AAPL', query);
    expect(fetched.status).toBe(200);
    expect(await flushWrites(writer)).toBe(true);

    proxy.pageQueries(100);
    const queriesBefore = proxy.requests('Query');
    const fromDynamodb = await ohlc(await startInstance(), 'AAPL', query);

    expect((fetched.body as CandleBody).count).toBe(780);
    expect(fromDynamodb.status).toBe(200);
    expect(fromDynamodb.headers['x-cache-source']).toBe('dynamodb');
    expect(fromDynamodb.body.candles).toEqual(fetched.body.candles);
    // One Query of 790 items (780 candles, 10 coverage records), followed over at least 8 pages.
    expect(proxy.requests('Query') - queriesBefore).toBeGreaterThanOrEqual(8);
    expect(simulator.calls()).toBe(1);
  });

  it('lists all five configurations when DynamoDB answers the Query two items per page', async () => {
    const app = await startInstance();
    const sub = `user-${randomUUID()}`;
    const names = ['P1', 'P2', 'P3', 'P4', 'P5'];
    for (const name of names) expect((await createConfiguration(app, sub, validBody({ name }))).status).toBe(201);

    proxy.pageQueries(2);
    const queriesBefore = proxy.requests('Query');
    const list = await request(app.server).get(CONFIGURATIONS).set('Authorization', await app.bearer(sub));

    expect(list.status).toBe(200);
    expect((list.body.configurations as Array<{ name: string }>).map((c) => c.name).sort()).toEqual(names);
    expect(proxy.requests('Query') - queriesBefore).toBeGreaterThanOrEqual(3);
  });

  it('never writes coverage when BatchWriteItem keeps items unprocessed through every retry', async () => {
    const query = { resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-16' };
    const writer = await startInstance();
    proxy.leaveUnprocessed(1000);
    const batchesBefore = proxy.requests('BatchWriteItem');

    const answered = await ohlc(writer, 'MSFT', query);
    expect(await flushWrites(writer)).toBe(true);
    const metrics = (await request(writer.server).get('/metrics').expect(200)).text;
    // Candles and coverage share the partition: neither may be there.
    const stored = await storedCount(candlePk('MSFT', 'D', 0));
    proxy.leaveUnprocessed(0);
    const next = await ohlc(await startInstance(), 'MSFT', query);

    // The user got the candles; the cache got nothing, and says so.
    expect(answered.status).toBe(200);
    expect(answered.body.count).toBe(10);
    expect(proxy.requests('BatchWriteItem') - batchesBefore).toBe(4); // the first try and 3 retries
    expect(metrics).toMatch(/^ohlc_unprocessed_items_total 40$/m);
    expect(metrics).toMatch(/^ohlc_cache_write_failures_total 1$/m);
    expect(stored).toBe(0);
    // So the next instance asks a provider instead of trusting a coverage record.
    expect(next.status).toBe(200);
    expect(next.headers['x-cache-source']).toBe('tiingo');
    expect(simulator.calls()).toBe(2);
  });
});
