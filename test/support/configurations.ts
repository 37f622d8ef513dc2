import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import request from 'supertest';
import type { AwsClients } from '../../scripts/local-stack/aws-clients';
import type { TestApp } from './test-app';

export const CONFIGURATIONS = '/api/v2/configurations';

export const validBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'Tech',
  tickers: ['AAPL', 'MSFT'],
  ...overrides,
});

/** Sends a create as `sub`; headers such as Idempotency-Key are optional. */
export async function createConfiguration(
  testApp: TestApp,
  sub: string,
  body: unknown = validBody(),
  headers: Record<string, string> = {},
): Promise<request.Response> {
  let req = request(testApp.server).post(CONFIGURATIONS).set('Authorization', await testApp.bearer(sub));
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  return req.send(body as object);
}

/** Reads the stored state directly, bypassing the service: what the invariant is about. */
export async function storedState(clients: AwsClients, table: string, sub: string): Promise<{ counter: number; configs: number }> {
  const counter = await clients.dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: `USER#${sub}` }, sk: { S: 'COUNTER' } }, ConsistentRead: true }),
  );
  const configs = await clients.dynamodb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: `USER#${sub}` }, ':prefix': { S: 'CONFIG#' } },
      ConsistentRead: true,
      Select: 'COUNT',
    }),
  );
  return { counter: Number(counter.Item?.config_count?.N ?? 0), configs: configs.Count ?? 0 };
}
