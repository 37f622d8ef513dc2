import request from 'supertest';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { eventually } from '../support/eventually';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

type ReadyBody = { status: string; details: Record<string, { status: string; error?: string; message?: string }> };

describe('GET /health/ready behind a DynamoDB fault proxy (e2e)', () => {
  let resources: TestAwsResources;
  let proxy: DynamoDbFaultProxy;
  let testApp: TestApp;
  let tables: string[];

  beforeAll(async () => {
    resources = await createTestAwsResources();
    proxy = await startDynamoDbFaultProxy(resources.dynamodbEndpoint);
    // A long interval: the 40 probes below are sure to fall into one of them.
    testApp = await startTestApp({ ...resources.env, AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, HEALTH_READY_CACHE_MS: '5000' });
    tables = [...new Set(Object.values(resources.tables))];
  });
  afterAll(async () => {
    await testApp?.close();
    await proxy?.close();
    await resources?.destroy();
  });

  const ready = () => request(testApp.server).get('/health/ready');

  it('answers 40 concurrent probes with one DescribeTable per table', async () => {
    const before = proxy.requests('DescribeTable');

    const answers = await Promise.all(Array.from({ length: 40 }, () => ready()));

    expect(answers.map((res) => res.status)).toEqual(Array.from({ length: 40 }, () => 200));
    expect(proxy.requests('DescribeTable') - before).toBe(tables.length);
    const body = answers[0].body as ReadyBody;
    expect(Object.keys(body.details).sort()).toEqual([...tables.map((t) => `dynamodb:${t}`), `s3:${resources.bucket}`].sort());
    expect(Object.values(body.details).map((check) => check.status)).toEqual(Array.from({ length: tables.length + 1 }, () => 'up'));
  });

  it('names a failing table down with the error name only, never the SDK message', async () => {
    proxy.setFaults({ errorShare: 1, operation: 'DescribeTable' });
    try {
      let down: request.Response | undefined;
      await eventually('readiness turns 503', async () => (down = await ready()).status === 503);

      expect(down!.headers['retry-after']).toBe('5');
      const body = down!.body as ReadyBody;
      expect(body.status).toBe('error');
      for (const table of tables) expect(body.details[`dynamodb:${table}`]).toEqual({ status: 'down', error: 'InternalServerError' });
      expect(body.details[`s3:${resources.bucket}`]).toEqual({ status: 'up' });
      expect(down!.text).not.toMatch(/Internal server error/i);
    } finally {
      proxy.clearFaults();
    }
    await eventually('readiness turns 200 again', async () => (await ready()).status === 200);
  });

  it('stays bounded when DynamoDB hangs: each check gives up after its timeout and the probe answers 503', async () => {
    const hang = proxy.hold('DescribeTable');
    try {
      let down: request.Response | undefined;
      await eventually('readiness turns 503', async () => (down = await ready()).status === 503);

      const body = down!.body as ReadyBody;
      for (const table of tables) expect(body.details[`dynamodb:${table}`]).toEqual({ status: 'down', error: 'DeadlineAbortedError' });
    } finally {
      hang.release();
    }
  });
});
