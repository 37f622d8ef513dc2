import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import request from 'supertest';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startServiceProcess } from '../support/service-process';
import { signTestToken } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { simulatorEnv } from './ohlc.fixtures';

describe('SIGTERM with cache writes pending', () => {
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

  it('answers first, then writes the fetched candles through before exiting 0', async () => {
    const service = await startServiceProcess({
      ...resources.env,
      ...simulatorEnv(simulator),
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    });
    const writes = proxy.hold('BatchWriteItem');

    const res = await request(service.url)
      .get('/api/v2/tickers/AAPL/ohlc')
      .query({ resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-16' })
      .set('Authorization', `Bearer ${await signTestToken('user-1')}`);
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(10);
    await writes.held();

    const exited = service.stop('SIGTERM');
    await service.waitForLog((line) => String(line.msg).includes('shutting down'));
    expect(service.child.exitCode).toBeNull();
    expect(await storedCount('CANDLE#AAPL#D#0')).toBe(0);

    writes.release();
    expect(await exited).toBe(0);
    // Coverage is written only once the candle batch has been acknowledged to the service, so it
    // being there proves the process outlived the write rather than abandoning it.
    expect(await storedCount('CANDLE#AAPL#D#0')).toBe(10);
    expect(await storedCount('COVERAGE#AAPL#D#0')).toBe(10);
  });
});
