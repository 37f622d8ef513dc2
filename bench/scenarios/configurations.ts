import { DynamoDBClient, GetItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { signDevToken } from '../../scripts/lib/dev-token';
import type { Figure, Scenario } from '../bench.types';
import { ratio } from '../bench.types';
import { load } from '../load';
import { p50, timeCalls } from '../timing';

const USERS = 50;
const CONNECTIONS = 50;
const MAX_PER_USER = 5;

/**
 * POST /api/v2/configurations under 50 connections spread over 50 users, so users hit their
 * maximum while other requests for them are in flight; afterwards every user's stored count and
 * counter are read back. Beside it: the bare TransactWriteItems a create wraps.
 */
export const configurationsScenario: Scenario = {
  name: 'configurations',
  description: `POST /api/v2/configurations, ${CONNECTIONS} connections over ${USERS} users; limit violations`,
  async run(context) {
    const { local, seconds } = context;
    const runId = randomUUID().slice(0, 8);
    const subs = Array.from({ length: USERS }, (_, i) => `bench-${runId}-${i}`);
    const tokens = await Promise.all(
      subs.map((sub) =>
        signDevToken({ secret: local.env.AUTH_JWT_SECRET, issuer: local.env.AUTH_ISSUER, audience: local.env.AUTH_AUDIENCE, sub, roles: [] }),
      ),
    );
    let turn = 0;
    const result = await load({
      url: `${local.apiUrl}/api/v2/configurations`,
      seconds,
      connections: CONNECTIONS,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Bench', tickers: ['AAPL', 'MSFT', 'NVDA'] }),
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[turn++ % tokens.length]}` } }),
        },
      ],
    });

    const dynamo = new DynamoDBClient({ region: local.env.AWS_REGION, endpoint: local.dynamodbEndpoint });
    try {
      const violations = await countViolations(dynamo, local.env.USERS_TABLE, subs);
      const bare = await bareTransactWrite(dynamo, local.env.USERS_TABLE, runId, 1);
      const bareConcurrent = await bareTransactWrite(dynamo, local.env.USERS_TABLE, runId, CONNECTIONS);
      const bareFigure: Figure = { scenario: 'configurations', name: 'bare_transact_p50', value: p50(bare), unit: 'ms', note: 'one call at a time' };
      const bareConcurrentFigure: Figure = {
        scenario: 'configurations',
        name: 'bare_transact_p50_c50',
        value: p50(bareConcurrent),
        unit: 'ms',
        note: `${CONNECTIONS} in flight`,
      };
      return [
        { scenario: 'configurations', name: 'post_rps', value: result.requestsPerSecond, unit: 'req/s', ratio: ratio(result.requestsPerSecond, 'health.rps', context.results.get('health.rps')) },
        {
          scenario: 'configurations',
          name: 'post_p50',
          value: result.p50Ms,
          unit: 'ms',
          ratio: ratio(result.p50Ms, 'bare_transact_p50_c50', bareConcurrentFigure),
          note: 'latency of 201 answers',
        },
        { scenario: 'configurations', name: 'post_p99', value: result.p99Ms, unit: 'ms' },
        bareFigure,
        bareConcurrentFigure,
        { scenario: 'configurations', name: 'answers_201', value: result.status[201] ?? 0, unit: 'responses' },
        { scenario: 'configurations', name: 'answers_409', value: result.status[409] ?? 0, unit: 'responses' },
        { scenario: 'configurations', name: 'other_answers', value: result.requests - (result.status[201] ?? 0) - (result.status[409] ?? 0), unit: 'responses' },
        { scenario: 'configurations', name: 'limit_violations', value: violations, unit: 'users', note: `stored > ${MAX_PER_USER} or counter ≠ stored` },
      ];
    } finally {
      dynamo.destroy();
    }
  },
};

async function countViolations(dynamo: DynamoDBClient, table: string, subs: readonly string[]): Promise<number> {
  let violations = 0;
  for (const sub of subs) {
    const pk = { S: `USER#${sub}` };
    const [counter, stored] = await Promise.all([
      dynamo.send(new GetItemCommand({ TableName: table, Key: { pk, sk: { S: 'COUNTER' } }, ConsistentRead: true })),
      dynamo.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': pk, ':p': { S: 'CONFIG#' } },
          ConsistentRead: true,
          Select: 'COUNT',
        }),
      ),
    ]);
    const count = stored.Count ?? 0;
    if (count > MAX_PER_USER || Number(counter.Item?.config_count?.N ?? 0) !== count) violations += 1;
  }
  return violations;
}

/** The same two-item transaction a create performs (counter under condition + new item), for fresh users. */
async function bareTransactWrite(dynamo: DynamoDBClient, table: string, runId: string, concurrency: number): Promise<number[]> {
  return timeCalls(300, concurrency, (i) =>
    dynamo.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: { pk: { S: `USER#bare-${runId}-${concurrency}-${i}` }, sk: { S: 'COUNTER' } },
              UpdateExpression: 'ADD config_count :one',
              ConditionExpression: 'attribute_not_exists(config_count) OR config_count < :max',
              ExpressionAttributeValues: { ':one': { N: '1' }, ':max': { N: String(MAX_PER_USER) } },
            },
          },
          {
            Put: {
              TableName: table,
              Item: { pk: { S: `USER#bare-${runId}-${concurrency}-${i}` }, sk: { S: `CONFIG#${randomUUID()}` }, name: { S: 'Bench' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    ),
  );
}

