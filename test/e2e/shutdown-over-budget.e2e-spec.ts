import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import request from 'supertest';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startServiceProcess } from '../support/service-process';
import { signTestToken } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { simulatorEnv } from './ohlc.fixtures';

/**
 * The built service stopped with more work than SHUTDOWN_GRACE_MS allows: a request that never
 * finishes, cache writes DynamoDB does not acknowledge, and a quota read (a shutdown hook waits
 * for it) that never returns. Held by the fault proxy and the simulator, not by timing.
 */
describe('SIGTERM over the shutdown budget', () => {
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let proxy: DynamoDbFaultProxy;

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator();
    proxy = await startDynamoDbFaultProxy(resources.dynamodbEndpoint);
  });
  afterAll(async () => {
    await proxy.close();
    await simulator.close();
    await resources.destroy();
  });

  async function storedCount(pk: string): Promise<number> {
    const dynamo = new DynamoDBClient({ region: resources.region, endpoint: resources.dynamodbEndpoint });
    try {
      const out = await dynamo.send(
        new QueryCommand({
          TableName: resources.tables.ohlcCache,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ConsistentRead: true,
          Select: 'COUNT',
        }),
      );
      return out.Count ?? 0;
    } finally {
      dynamo.destroy();
    }
  }

  it('force-closes the unfinished request, abandons the unacknowledged writes and exits 1 at the budget', async () => {
    const service = await startServiceProcess({
      ...resources.env,
      ...simulatorEnv(simulator),
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
      SHUTDOWN_GRACE_MS: '3000',
      // Nothing here may end by its own deadline before the shutdown budget does.
      REQUEST_DEADLINE_MS: '60000',
    });
    const auth = `Bearer ${await signTestToken('user-1')}`;
    const query = { resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-16' };
    const writes = proxy.hold('BatchWriteItem');
    const quotaReads = proxy.hold('BatchGetItem');

    const answered = await request(service.url).get('/api/v2/tickers/AAPL/ohlc').query(query).set('Authorization', auth);
    expect(answered.status).toBe(200);
    await Promise.all([writes.held(), quotaReads.held()]);
    simulator.hang('tiingo', true);
    simulator.hang('finnhub', true);
    const unfinished = request(service.url).get('/api/v2/tickers/MSFT/ohlc').query(query).set('Authorization', auth)
      .then((res) => `status ${res.status}`, (error: Error) => error.message);
    await simulator.waitForCalls(2);

    const exitCode = await service.stop('SIGTERM');
    const messages = service.logs.map((line) => String(line.msg));

    expect(exitCode).toBe(1);
    expect(await unfinished).toBe('socket hang up');
    expect(messages).toEqual(expect.arrayContaining([
      'drain time over: closing remaining connections',
      'OHLC cache writes abandoned on shutdown: not stored',
      'shutdown did not finish within 3000 ms; exiting',
    ]));
    expect(messages).not.toContain('shutdown complete');
    expect(service.logs.find((line) => line.msg === 'OHLC cache writes abandoned on shutdown: not stored')).toMatchObject({ pending: 1 });
    // The abandoned batch never reached DynamoDB, so no coverage claims candles that are not there.
    expect(await storedCount('AAPL#D')).toBe(0);
    expect(await storedCount('COVERAGE#AAPL#D')).toBe(0);
  });
});
