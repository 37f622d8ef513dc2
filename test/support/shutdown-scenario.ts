import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from './dynamodb-fault-proxy';
import { startMarketDataSimulator, type MarketDataSimulator } from './market-data-simulator';
import { createTestAwsResources, type TestAwsResources } from './test-resources';

export interface ShutdownScenario {
  readonly resources: TestAwsResources;
  readonly simulator: MarketDataSimulator;
  /** Between the service and DynamoDB Local, to hold its cache writes. */
  readonly proxy: DynamoDbFaultProxy;
  /**
   * Candle or coverage items (they share a partition) stored under one partition key, read
   * straight from DynamoDB Local (not through the proxy).
   */
  storedCount(pk: string, kind: 'candles' | 'coverage'): Promise<number>;
  close(): Promise<void>;
}

/** What the SIGTERM suites share: fresh tables, the simulator, and a fault proxy in front of DynamoDB. */
export async function startShutdownScenario(): Promise<ShutdownScenario> {
  const resources = await createTestAwsResources();
  const simulator = await startMarketDataSimulator();
  const proxy = await startDynamoDbFaultProxy(resources.dynamodbEndpoint);
  return {
    resources,
    simulator,
    proxy,
    async storedCount(pk, kind) {
      const dynamo = new DynamoDBClient({ region: resources.region, endpoint: resources.dynamodbEndpoint });
      try {
        const out = await dynamo.send(
          new QueryCommand({
            TableName: resources.tables.ohlcCache,
            KeyConditionExpression: 'pk = :pk',
            // Only coverage records carry `complete`.
            FilterExpression: kind === 'coverage' ? 'attribute_exists(complete)' : 'attribute_not_exists(complete)',
            ExpressionAttributeValues: { ':pk': { S: pk } },
            ConsistentRead: true,
            Select: 'COUNT',
          }),
        );
        return out.Count ?? 0;
      } finally {
        dynamo.destroy();
      }
    },
    async close() {
      await proxy.close();
      await simulator.close();
      await resources.destroy();
    },
  };
}
