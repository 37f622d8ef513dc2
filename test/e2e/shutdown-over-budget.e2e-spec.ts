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
 * finishes (the simulator holds it) and cache writes DynamoDB does not acknowledge (the fault
 * proxy holds them). Held, not timed: the outcome does not depend on how fast this machine is.
 */
describe('SIGTERM with more work than the shutdown budget', () => {
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

  it('force-closes the unfinished request at the drain time, reports the unacknowledged writes abandoned and stores none of them', async () => {
    const service = await startServiceProcess({
      ...resources.env,
      ...simulatorEnv(simulator),
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
      SHUTDOWN_GRACE_MS: '3000',
      // Nothing here may end by its own deadline before the shutdown budget does.
      REQUEST_DEADLINE_MS: '60000',
    });
    try {
      const auth = `Bearer ${await signTestToken('user-1')}`;
      const query = { resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-16' };
      const writes = proxy.hold('BatchWriteItem');

      const answered = await request(service.url).get('/api/v2/tickers/AAPL/ohlc').query(query).set('Authorization', auth);
      expect(answered.status).toBe(200);
      await writes.held();
      simulator.hang('tiingo', true);
      simulator.hang('finnhub', true);
      const unfinished = request(service.url).get('/api/v2/tickers/MSFT/ohlc').query(query).set('Authorization', auth)
        .then((res) => `status ${res.status}`, (error: Error) => error.message);
      await simulator.waitForCalls(2);

      const exitCode = await service.stop('SIGTERM');
      const messages = service.logs.map((line) => String(line.msg));

      expect(await unfinished).toBe('socket hang up');
      expect(messages).toEqual(expect.arrayContaining([
        'drain time over: closing remaining connections',
        'OHLC cache writes abandoned on shutdown: not stored',
      ]));
      expect(service.logs.find((line) => line.msg === 'OHLC cache writes abandoned on shutdown: not stored')).toMatchObject({ level: 40, pending: 1 });
      // The abandoned batch never reached DynamoDB, so no coverage claims candles that are not there.
      expect(await storedCount('AAPL#D')).toBe(0);
      expect(await storedCount('COVERAGE#AAPL#D')).toBe(0);
      // Giving up on the writes is the shutdown's own decision, within its budget: README, Behaviour.
      expect(messages).toContain('shutdown complete');
      expect(exitCode).toBe(0);
    } finally {
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
    }
  });
});
