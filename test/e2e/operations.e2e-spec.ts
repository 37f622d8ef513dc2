import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { bootstrapAwsResources } from '../../scripts/local-stack/bootstrap';
import { startDynamoDbLocal, type DynamoDbLocalHandle } from '../../scripts/local-stack/dynamodb-local';
import { eventually } from '../support/eventually';
import { createTestAwsResources } from '../support/test-resources';
import { startServiceProcess } from '../support/service-process';
import { startTestApp, TestApp } from '../support/test-app';
import { useAppWithAws } from '../support/app-with-aws';

describe('operations routes', () => {
  const ctx = useAppWithAws();

  it('reports live and ready when every table and the bucket answer', async () => {
    await request(ctx.testApp.server).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(ctx.testApp.server).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(Object.keys(ready.body.details)).toEqual(
      expect.arrayContaining([`dynamodb:${ctx.resources.tables.users}`, `s3:${ctx.resources.bucket}`]),
    );
  });

  it('exports Prometheus metrics with per-route request durations', async () => {
    await request(ctx.testApp.server).get('/health/live');
    const res = await request(ctx.testApp.server).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="200"\} \d+/);
  });

  it('documents every route it serves in /docs-json, and serves Swagger UI at /docs', async () => {
    const docResponse = await request(ctx.testApp.server).get('/docs-json').set('X-Request-ID', 'docs-1').expect(200);
    expect(docResponse.headers['x-request-id']).toBe('docs-1');
    const doc = docResponse.body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const served = servedRoutes(ctx.testApp);
    expect(served.length).toBeGreaterThanOrEqual(4);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
    const ui = await request(ctx.testApp.server).get('/docs/').redirects(1);
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });
});

/**
 * Method and path of every controller route the Express router holds, leaving out Swagger's own
 * asset routes and Nest's catch-all 404 handler.
 */
function servedRoutes(testApp: TestApp): string[] {
  const express = testApp.app.getHttpAdapter().getInstance() as {
    router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  };
  return express.router.stack.flatMap((layer) =>
    layer.route && !/^\/docs|splat/.test(layer.route.path)
      ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`)
      : [],
  );
}

describe('readiness follows DynamoDB', () => {
  let dataDir: string;
  let dynamo: DynamoDbLocalHandle;
  let testApp: TestApp;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ready-ddb-'));
    dynamo = await startDynamoDbLocal({ dbPath: dataDir });
    const aws = await createTestAwsResources();
    await bootstrapAwsResources({ region: aws.region, dynamodbEndpoint: dynamo.endpoint, tables: aws.tables, bucket: aws.bucket, tickerListKey: aws.tickerListKey, s3Endpoint: aws.s3Endpoint });
    testApp = await startTestApp({ ...aws.env, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
  });
  afterAll(async () => {
    await testApp.close();
    await dynamo.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('turns 503 while DynamoDB Local is stopped and 200 once it is back', async () => {
    await request(testApp.server).get('/health/ready').expect(200);

    await dynamo.stop();
    // Probes are answered from a result up to HEALTH_READY_CACHE_MS old: poll for the change.
    let down: request.Response | undefined;
    await eventually('readiness turns 503', async () => (down = await request(testApp.server).get('/health/ready')).status === 503);
    expect(down!.headers['retry-after']).toBe('5');
    expect(down!.body.status).toBe('error');

    dynamo = await startDynamoDbLocal({ port: dynamo.port, dbPath: dataDir });
    await eventually('readiness turns 200', async () => (await request(testApp.server).get('/health/ready')).status === 200);
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request after SIGTERM, refuses new connections and exits 0', async () => {
    const service = await startServiceProcess({});
    const url = new URL('/__not-a-route', service.url);

    const body = JSON.stringify({ padding: 'x'.repeat(2000) });
    const inFlight = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      inFlight.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      inFlight.on('error', reject);
    });
    inFlight.write(body.slice(0, 1000));
    await new Promise<void>((resolve) => inFlight.once('socket', (s) => (s.connecting ? s.once('connect', () => resolve()) : resolve())));

    const exited = service.stop('SIGTERM');
    await service.waitForLog((line) => String(line.msg).includes('shutting down'));
    await expect(fetch(new URL('/health/live', service.url))).rejects.toThrow();

    inFlight.end(body.slice(1000));
    const finished = await response;
    expect(finished.status).toBe(404);
    expect(JSON.parse(finished.body).code).toBe('NOT_FOUND');
    expect(await exited).toBe(0);
  });
});
