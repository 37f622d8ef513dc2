import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createAwsClients } from '../../scripts/local-stack/aws-clients';
import { bootstrapAwsResources } from '../../scripts/local-stack/bootstrap';
import { findFreePort } from '../../scripts/local-stack/free-port';
import { startS3Emulator, type S3EmulatorHandle } from '../../scripts/local-stack/s3-emulator';
import { TickerCacheService } from '../../src/tickers/ticker-cache.service';
import { TickerListRepository } from '../../src/tickers/ticker-list.repository';
import { eventually } from '../support/eventually';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

/**
 * A private s3rver that is down at start, comes up, goes down and comes back, under an app whose
 * ticker list refresh runs on its own timer (every second): nothing here calls refresh().
 */
describe('S3 outages (e2e)', () => {
  let resources: TestAwsResources;
  let dataDir: string;
  let s3Port: number;
  let s3: S3EmulatorHandle | undefined;
  let testApp: TestApp;
  /** Outcome of every ticker-list download the timer started, observed, not replaced. */
  const downloads: Array<'ok' | 'failed'> = [];

  const s3Endpoint = (): string => `http://127.0.0.1:${s3Port}`;
  const validate = (symbol: string) => request(testApp.server).get('/api/v2/tickers/validate').query({ symbol });
  const cache = () => testApp.app.get(TickerCacheService);
  const metrics = async () => (await request(testApp.server).get('/metrics').expect(200)).text;

  beforeAll(async () => {
    resources = await createTestAwsResources();
    dataDir = await mkdtemp(join(tmpdir(), 's3-outage-e2e-'));
    s3Port = await findFreePort();
    testApp = await startTestApp({
      ...resources.env,
      AWS_ENDPOINT_URL_S3: s3Endpoint(),
      TICKER_LIST_REFRESH_SECONDS: '1',
      // The failed start opens the S3 breaker; its default 60 s cool-down is not what is under test.
      CIRCUIT_S3_HALF_OPEN_AFTER_MS: '500',
    });
    const repository = testApp.app.get(TickerListRepository);
    const fetch = repository.fetch.bind(repository);
    jest.spyOn(repository, 'fetch').mockImplementation((etag) =>
      fetch(etag).then(
        (result) => (downloads.push('ok'), result),
        (error: unknown) => {
          downloads.push('failed');
          throw error;
        },
      ),
    );
  });
  afterAll(async () => {
    await testApp?.close();
    await s3?.stop();
    await resources?.destroy();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts on the bundled list while S3 is down, and switches to the S3 list on the next timer refresh once it is up', async () => {
    expect(cache().source).toBe('bundled');
    expect((await validate('ZZNEW')).body.status).toBe('invalid');

    s3 = await startS3Emulator({ port: s3Port, directory: dataDir });
    await bootstrapAwsResources({ ...resources, s3Endpoint: s3Endpoint() });
    const clients = createAwsClients({ ...resources, s3Endpoint: s3Endpoint() });
    try {
      const symbols = { AAPL: { name: 'Apple Inc.', exchange: 'NASDAQ', is_active: true }, ZZNEW: { name: 'Newly Listed', exchange: 'NYSE', is_active: true } };
      await clients.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: resources.tickerListKey, Body: JSON.stringify({ version: 'timer', symbols }) }));
    } finally {
      clients.destroy();
    }

    await eventually('the timer installed the S3 list', () => cache().source === 's3');
    expect((await validate('ZZNEW')).body.status).toBe('valid');
    expect(await metrics()).toMatch(/ticker_list_source\{source="s3"\} 1/);
    expect(downloads).toContain('ok');
  });

  it('answers /health/ready 503 naming the bucket down while S3 is stopped, and keeps serving the S3 list through failed refreshes', async () => {
    await request(testApp.server).get('/health/ready').expect(200);
    await s3!.stop();
    const failedBefore = downloads.filter((d) => d === 'failed').length;

    const down = await eventually('readiness reports S3 down', async () => {
      const res = await request(testApp.server).get('/health/ready');
      return res.status === 503 ? res : undefined;
    });
    await eventually('a timer refresh failed against the stopped S3', () => downloads.filter((d) => d === 'failed').length > failedBefore);

    expect(down.headers['retry-after']).toBe('5');
    expect(down.body.status).toBe('error');
    expect(down.body.error).toEqual({ [`s3:${resources.bucket}`]: expect.objectContaining({ status: 'down' }) });
    expect(down.body.info).toMatchObject({ [`dynamodb:${resources.tables.users}`]: { status: 'up' } });
    // No stack trace (keeping SDK message text out of the body is issue 9's readiness work).
    expect(JSON.stringify(down.body)).not.toMatch(/\bat \w+ \(/);
    expect(cache().source).toBe('s3');
    expect((await validate('ZZNEW')).body.status).toBe('valid');
    expect(await metrics()).toMatch(/ticker_list_source\{source="s3"\} 1/);

    s3 = await startS3Emulator({ port: s3Port, directory: dataDir });
    await eventually('readiness recovers once S3 is back', async () => (await request(testApp.server).get('/health/ready')).status === 200);
  });
});
