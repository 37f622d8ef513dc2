import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import request from 'supertest';
import { createAwsClients, type AwsClients } from '../../scripts/local-stack/aws-clients';
import { bootstrapAwsResources } from '../../scripts/local-stack/bootstrap';
import { startDynamoDbLocal, type DynamoDbLocalHandle } from '../../scripts/local-stack/dynamodb-local';
import { createConfiguration, storedState } from '../support/configurations';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

// The ticker list faults (S3 down at start, object replaced, corrupt JSON) are in tickers.e2e-spec.ts.

const retriesOf = async (testApp: TestApp, dependency: string): Promise<number> => {
  const metrics = (await request(testApp.server).get('/metrics').expect(200)).text;
  const match = new RegExp(`^dependency_retries_total\\{dependency="${dependency}"\\} (\\d+)$`, 'm').exec(metrics);
  if (match === null) throw new Error(`dependency_retries_total{dependency="${dependency}"} missing from /metrics`);
  return Number(match[1]);
};

describe('configurations when DynamoDB misbehaves (e2e)', () => {
  let resources: TestAwsResources;

  beforeAll(async () => {
    resources = await createTestAwsResources();
  });
  afterAll(async () => {
    await resources?.destroy();
  });

  describe('DynamoDB throttles', () => {
    let proxy: DynamoDbFaultProxy;
    let clients: AwsClients;
    let testApp: TestApp;

    beforeAll(async () => {
      proxy = await startDynamoDbFaultProxy(resources.dynamodbEndpoint);
      clients = createAwsClients({ ...resources });
      testApp = await startTestApp({ ...resources.env, AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
    });
    afterAll(async () => {
      await testApp?.close();
      await proxy?.close();
      clients?.destroy();
    });

    it('retries a create throttled twice into a 201 and counts both retries in /metrics', async () => {
      const sub = `user-${randomUUID()}`;
      const retriesBefore = await retriesOf(testApp, 'dynamodb');
      const writesBefore = proxy.requests('TransactWriteItems');
      proxy.throttleNext(2, 'TransactWriteItems');

      const res = await createConfiguration(testApp, sub);

      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/api/v2/configurations/${res.body.config_id}`);
      expect(proxy.requests('TransactWriteItems') - writesBefore).toBe(3);
      expect((await retriesOf(testApp, 'dynamodb')) - retriesBefore).toBe(2);
      expect(await storedState(clients, resources.tables.users, sub)).toEqual({ counter: 1, configs: 1 });
    });
  });

  describe('DynamoDB Local stops and restarts', () => {
    const deadlineMs = 3000;
    let dataDir: string;
    let dynamodbLocal: DynamoDbLocalHandle;
    let testApp: TestApp;

    beforeAll(async () => {
      // A private instance: stopping the shared one would break the other suites. dbPath keeps the
      // tables across the restart.
      dataDir = await mkdtemp(join(tmpdir(), 'configurations-faults-e2e-'));
      dynamodbLocal = await startDynamoDbLocal({ dbPath: dataDir });
      await bootstrapAwsResources({ ...resources, dynamodbEndpoint: dynamodbLocal.endpoint });
      testApp = await startTestApp({
        ...resources.env,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodbLocal.endpoint,
        REQUEST_DEADLINE_MS: String(deadlineMs),
        CIRCUIT_DYNAMODB_HALF_OPEN_AFTER_MS: '1000',
      });
    }, 120_000);
    afterAll(async () => {
      await testApp?.close();
      await dynamodbLocal?.stop();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    });

    it('answers 503 with Retry-After within the deadline while it is down, and 201 again once it is back', async () => {
      const sub = `user-${randomUUID()}`;
      expect((await createConfiguration(testApp, sub)).status).toBe(201);

      await dynamodbLocal.stop();
      const outage = await createConfiguration(testApp, sub);

      expect(outage.status).toBe(503);
      expect(outage.body).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: { dependency: 'dynamodb' } });
      // The breaker's remaining 1 s cool-down when this request opened it, else the 5 s default.
      expect(['1', '5']).toContain(outage.headers['retry-after']);

      dynamodbLocal = await startDynamoDbLocal({ port: dynamodbLocal.port, dbPath: dataDir });
      // Bounded polling: the breaker lets a probe through 1 s after it opened.
      let recovered: request.Response | undefined;
      for (let attempt = 0; attempt < 50 && recovered?.status !== 201; attempt++) {
        if (attempt > 0) await pause(200);
        recovered = await createConfiguration(testApp, sub);
        // A freshly started JVM may answer its first write late (504); never a 500.
        expect([201, 503, 504]).toContain(recovered.status);
      }

      expect(recovered?.status).toBe(201);
      const clients = createAwsClients({ ...resources, dynamodbEndpoint: dynamodbLocal.endpoint });
      try {
        const { counter, configs } = await storedState(clients, resources.tables.users, sub);
        expect(configs).toBeGreaterThanOrEqual(2);
        expect(counter).toBe(configs);
      } finally {
        clients.destroy();
      }
    }, 120_000);
  });
});
