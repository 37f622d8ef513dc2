import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { startDynamoDbLocal, type DynamoDbLocalHandle } from '../../scripts/local-stack/dynamodb-local';
import { Public } from '../../src/common/auth/auth.decorators';
import { AwsClients } from '../../src/infrastructure/aws-clients';
import { ResilienceService } from '../../src/resilience/resilience.service';
import { startTestApp, type TestApp } from '../support/test-app';
import { useAppWithAws } from '../support/app-with-aws';
import { countSdkRequests } from '../support/sdk-request-counter';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

/** Stands in for a feature route: one DynamoDB call through the resilience module. */
@Public()
@Controller('test/dynamodb')
class DynamoDbProbeController {
  constructor(
    private readonly resilience: ResilienceService,
    private readonly clients: AwsClients,
  ) {}

  @Get()
  async tables(): Promise<{ tables: string[] }> {
    const output = await this.resilience.execute('dynamodb', (signal) =>
      this.clients.dynamodb.send(new ListTablesCommand({}), { abortSignal: signal }),
    );
    return { tables: output.TableNames ?? [] };
  }
}

type CircuitsBody = { circuits: Record<string, string> };

describe('GET /health/circuits', () => {
  // Real tables and bucket: the ticker list loads at start, and a failing S3 would trip its breaker.
  const ctx = useAppWithAws();

  it('reports every breaker without a token, closed at start, and exports them in /metrics', async () => {
    const res = await request(ctx.testApp.server).get('/health/circuits').expect(200);

    expect(res.body).toEqual({ circuits: { dynamodb: 'CLOSED', dynamodb_cache: 'CLOSED', s3: 'CLOSED', tiingo: 'CLOSED', finnhub: 'CLOSED' } });
    expect(res.headers['cache-control']).toBe('no-store');
    const metrics = await request(ctx.testApp.server).get('/metrics').expect(200);
    for (const name of ['dynamodb', 'dynamodb_cache', 's3', 'tiingo', 'finnhub']) {
      expect(metrics.text).toContain(`circuit_breaker_state{name="${name}"} 0`);
      expect(metrics.text).toContain(`circuit_breaker_open_total{name="${name}"} 0`);
    }
    expect(metrics.text).toContain('dependency_retries_total{dependency="dynamodb"} 0');
  });

  it('is documented in the OpenAPI document', async () => {
    const res = await request(ctx.testApp.server).get('/docs-json').expect(200);

    expect(res.body.paths['/health/circuits']?.get).toMatchObject({
      tags: ['operations'],
      responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/CircuitsResponse' } } } } },
    });
  });
});

describe('dynamodb circuit breaker when DynamoDB Local stops and restarts', () => {
  const coolDownMs = 2000;
  let dataDir: string;
  let dynamodbLocal: DynamoDbLocalHandle;
  let testApp: TestApp;
  let aws: TestAwsResources;
  let attempts: { readonly count: number };

  beforeAll(async () => {
    // A private instance: stopping the shared one would break the other suites.
    dataDir = await mkdtemp(join(tmpdir(), 'circuits-e2e-'));
    dynamodbLocal = await startDynamoDbLocal({ dbPath: dataDir });
    aws = await createTestAwsResources();
    testApp = await startTestApp(
      {
        ...aws.env,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodbLocal.endpoint,
        CIRCUIT_DYNAMODB_HALF_OPEN_AFTER_MS: String(coolDownMs),
        // Two failed calls (not attempts) are enough here, so the test needs two requests, not ten.
        CIRCUIT_DYNAMODB_MINIMUM_CALLS: '2',
      },
      { controllers: [DynamoDbProbeController] },
    );
    attempts = countSdkRequests(testApp.app.get(AwsClients).dynamodb);
  });
  afterAll(async () => {
    await testApp?.close();
    await dynamodbLocal?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await aws?.destroy();
  });

  const circuits = async (): Promise<CircuitsBody['circuits']> =>
    ((await request(testApp.server).get('/health/circuits').expect(200)).body as CircuitsBody).circuits;

  /** Repeats `probe` until it returns true, at most `tries` times; polling, not a fixed wait. */
  async function eventually(probe: () => Promise<boolean>, tries = 50, intervalMs = 200): Promise<void> {
    for (let i = 0; i < tries; i++) {
      if (await probe()) return;
      await pause(intervalMs);
    }
    throw new Error(`condition not met after ${tries} tries`);
  }

  it('opens on the outage, fails fast with 503 while open, and closes after the cool-down once DynamoDB is back', async () => {
    await request(testApp.server).get('/test/dynamodb').expect(200);

    await dynamodbLocal.stop();
    const outage = await request(testApp.server).get('/test/dynamodb');

    expect(outage.status).toBe(503);
    expect(outage.body).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: { dependency: 'dynamodb' } });
    expect(Number(outage.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // One logical call failed (after 3 retries): one outcome, below the minimum of calls.
    expect(await circuits()).toMatchObject({ dynamodb: 'CLOSED' });
    expect((await request(testApp.server).get('/test/dynamodb')).status).toBe(503);
    expect(await circuits()).toMatchObject({ dynamodb: 'OPEN', dynamodb_cache: 'CLOSED', s3: 'CLOSED' });
    const metrics = (await request(testApp.server).get('/metrics').expect(200)).text;
    expect(metrics).toContain('circuit_breaker_state{name="dynamodb"} 1');
    expect(metrics).toContain('circuit_breaker_open_total{name="dynamodb"} 1');
    expect(metrics).toContain('dependency_retries_total{dependency="dynamodb"} 6');

    const attemptsBefore = attempts.count;
    const failFast = await request(testApp.server).get('/test/dynamodb');
    expect(failFast.status).toBe(503);
    expect(failFast.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { dependency: 'dynamodb' } });
    expect(Number(failFast.headers['retry-after'])).toBeLessThanOrEqual(coolDownMs / 1000);
    expect(attempts.count).toBe(attemptsBefore);

    dynamodbLocal = await startDynamoDbLocal({ port: dynamodbLocal.port, dbPath: dataDir });
    await eventually(async () => (await request(testApp.server).get('/test/dynamodb')).status === 200);

    expect(await circuits()).toMatchObject({ dynamodb: 'CLOSED' });
    expect((await request(testApp.server).get('/metrics')).text).toContain('circuit_breaker_state{name="dynamodb"} 0');
  });
});
