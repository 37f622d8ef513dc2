import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DependencyThrottledError,
  DependencyTimeoutError,
  DependencyUnavailableError,
} from '../../src/common/errors/dependency.errors';
import { AwsClients } from '../../src/infrastructure/aws-clients';
import { ResilienceService } from '../../src/resilience/resilience.service';
import { startTestApp, type TestApp } from '../support/test-app';
import { eventually } from '../support/eventually';
import { countSdkRequests } from '../support/sdk-request-counter';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

/** A DynamoDB endpoint that always answers with the given error (JSON 1.0 protocol). */
async function startFailingDynamoDb(status: number, type: string): Promise<{ endpoint: string; server: HttpServer }> {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'simulated' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const getItem = (client: DynamoDBClient, table: string) => (signal: AbortSignal) =>
  client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'USER#a' }, sk: { S: 'COUNTER' } } }), {
    abortSignal: signal,
  });

describe(`${ResilienceService.name} against real SDK clients`, () => {
  describe('with DynamoDB Local', () => {
    let resources: TestAwsResources;
    let testApp: TestApp;
    let resilience: ResilienceService;
    let dynamodb: DynamoDBClient;
    let attempts: { readonly count: number };

    beforeAll(async () => {
      resources = await createTestAwsResources();
      testApp = await startTestApp(resources.env);
      resilience = testApp.app.get(ResilienceService);
      dynamodb = testApp.app.get(AwsClients).dynamodb;
      attempts = countSdkRequests(dynamodb);
    });
    afterAll(async () => {
      await testApp?.close();
      await resources?.destroy();
    });

    it('makes one HTTP call for a successful operation', async () => {
      const before = attempts.count;

      const result = await resilience.execute('dynamodb', getItem(dynamodb, resources.tables.users));

      expect(result.Item).toBeUndefined();
      expect(attempts.count - before).toBe(1);
    });

    it('makes one HTTP call and rethrows a failed condition unchanged', async () => {
      const before = attempts.count;
      const put = (signal: AbortSignal) =>
        dynamodb.send(
          new PutItemCommand({
            TableName: resources.tables.users,
            Item: { pk: { S: 'USER#a' }, sk: { S: 'COUNTER' } },
            ConditionExpression: 'attribute_exists(pk)',
          }),
          { abortSignal: signal },
        );

      await expect(resilience.execute('dynamodb', put)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      expect(attempts.count - before).toBe(1);
    });
  });

  describe('with a DynamoDB endpoint that keeps failing', () => {
    let throttling: { endpoint: string; server: HttpServer };
    let failing: { endpoint: string; server: HttpServer };
    const apps: TestApp[] = [];

    beforeAll(async () => {
      throttling = await startFailingDynamoDb(400, 'ThrottlingException');
      failing = await startFailingDynamoDb(500, 'InternalServerError');
    });
    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()));
      for (const { server } of [throttling, failing]) {
        server.closeAllConnections();
        server.close();
      }
    });

    async function appAgainst(endpoint: string): Promise<{ resilience: ResilienceService; dynamodb: DynamoDBClient }> {
      const testApp = await startTestApp({ AWS_ENDPOINT_URL_DYNAMODB: endpoint });
      apps.push(testApp);
      return { resilience: testApp.app.get(ResilienceService), dynamodb: testApp.app.get(AwsClients).dynamodb };
    }

    it('sends exactly 4 HTTP requests for a throttled system-of-record operation, then reports THROTTLED', async () => {
      const { resilience, dynamodb } = await appAgainst(throttling.endpoint);
      const attempts = countSdkRequests(dynamodb);

      const outcome = resilience.execute('dynamodb', getItem(dynamodb, 'any-table'));

      await expect(outcome).rejects.toBeInstanceOf(DependencyThrottledError);
      expect(attempts.count).toBe(4);
    });

    it('counts each cache call once (2 HTTP requests each), opens after 3 failed calls, then sends none while open', async () => {
      const { resilience, dynamodb } = await appAgainst(failing.endpoint);
      const attempts = countSdkRequests(dynamodb);

      for (let call = 0; call < 3; call++) {
        await expect(resilience.execute('dynamodb_cache', getItem(dynamodb, 'any-table'))).rejects.toBeInstanceOf(
          DependencyUnavailableError,
        );
      }
      expect(attempts.count).toBe(6);

      const whileOpen = await resilience.execute('dynamodb_cache', getItem(dynamodb, 'any-table')).catch((e: unknown) => e);

      expect(whileOpen).toBeInstanceOf(DependencyUnavailableError);
      expect(whileOpen).toMatchObject({ details: { dependency: 'dynamodb' } });
      // Retry-After is what is left of the default 60 s cool-down.
      expect((whileOpen as DependencyUnavailableError).retryAfterSeconds).toBeGreaterThan(50);
      expect(attempts.count).toBe(6);
    });

    it('keeps the system-of-record breaker closed for one failed call after its 4 HTTP requests', async () => {
      const { resilience, dynamodb } = await appAgainst(failing.endpoint);
      const attempts = countSdkRequests(dynamodb);

      await expect(resilience.execute('dynamodb', getItem(dynamodb, 'any-table'))).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryAfterSeconds: 5 });
      expect(attempts.count).toBe(4);
      await expect(resilience.execute('dynamodb', getItem(dynamodb, 'any-table'))).rejects.toBeInstanceOf(DependencyUnavailableError);
      expect(attempts.count).toBe(8);
    });
  });

  describe('with a DynamoDB endpoint that never answers', () => {
    const deadlineMs = 500;
    let silent: TcpServer;
    const sockets = new Set<Socket>();
    let testApp: TestApp;

    beforeAll(async () => {
      // Accepts connections and reads requests, but never writes a byte back.
      silent = createTcpServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.resume();
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      testApp = await startTestApp({ AWS_ENDPOINT_URL_DYNAMODB: endpoint, REQUEST_DEADLINE_MS: String(deadlineMs) });
    });
    afterAll(async () => {
      await testApp?.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('gives up with DEPENDENCY_TIMEOUT at the deadline, aborting the call and dropping its connection', async () => {
      const resilience = testApp.app.get(ResilienceService);
      const dynamodb = testApp.app.get(AwsClients).dynamodb;
      const signals: AbortSignal[] = [];

      const error = await resilience
        .execute('dynamodb', (signal) => {
          signals.push(signal);
          return getItem(dynamodb, 'any-table')(signal);
        })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(DependencyTimeoutError);
      expect(error).toMatchObject({ code: 'DEPENDENCY_TIMEOUT', details: { dependency: 'dynamodb' }, retryAfterSeconds: 1 });
      // Every attempt was cancelled by the deadline, and none is left holding a connection open.
      expect(signals.length).toBeGreaterThan(0);
      expect(signals.every((signal) => signal.aborted)).toBe(true);
      await eventually('the silent endpoint has no open connection', () => sockets.size === 0);
    });
  });
});
