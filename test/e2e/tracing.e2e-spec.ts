import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import request from 'supertest';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import { baseTestEnv, signTestToken } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { simulatorEnv } from './ohlc.fixtures';

const SERVER = 2;
const MAIN = resolve(__dirname, '../../dist/src/main.js');

/** Walks parent links up to the root of the span's trace, within the spans received. */
function ancestors(span: ReceivedSpan, all: readonly ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(all.map((candidate) => [candidate.spanId, candidate]));
  const chain: ReceivedSpan[] = [];
  for (let parent = byId.get(span.parentSpanId); parent; parent = byId.get(parent.parentSpanId)) chain.push(parent);
  return chain;
}

function newTraceparent(): { traceparent: string; traceId: string; parentId: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceparent: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

/** The built service with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a local OTLP/HTTP receiver. */
describe('Tracing (e2e)', () => {
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let receiver: OtlpReceiver;
  let service: ServiceProcess;
  let auth: string;

  beforeAll(async () => {
    [resources, simulator, receiver] = await Promise.all([createTestAwsResources(), startMarketDataSimulator(), startOtlpReceiver()]);
    service = await startServiceProcess({ ...resources.env, ...simulatorEnv(simulator), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    auth = `Bearer ${await signTestToken('trace-user')}`;
  }, 120_000);
  afterEach(() => simulator.reset());
  afterAll(async () => {
    await service?.stop();
    await simulator?.close();
    await receiver?.close();
    await resources?.destroy();
  });

  it('turns one OHLC miss into one trace: the HTTP request, its DynamoDB calls and the provider call, linked', async () => {
    const { traceparent, traceId, parentId } = newTraceparent();

    const res = await request(service.url)
      .get('/api/v2/tickers/AAPL/ohlc')
      .query({ resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-09' })
      .set('Authorization', auth)
      .set('traceparent', traceparent)
      .expect(200);
    expect(res.headers['x-cache-source']).toBe('tiingo');

    const spans = await receiver.waitFor((all) => {
      const trace = all.filter((span) => span.traceId === traceId);
      return trace.some((span) => span.kind === SERVER) && trace.some((span) => span.name === 'tiingo GET') && trace.some((span) => span.name.startsWith('DynamoDB.'));
    });
    const trace = spans.filter((span) => span.traceId === traceId);
    const server = trace.filter((span) => span.kind === SERVER);
    expect(server).toHaveLength(1);
    expect(server[0].parentSpanId).toBe(parentId);
    expect(server[0].name).toBe('GET /api/v2/tickers/:ticker/ohlc');
    const dynamodb = trace.filter((span) => span.name.startsWith('DynamoDB.'));
    const provider = trace.filter((span) => span.name === 'tiingo GET');
    expect(provider).toHaveLength(1);
    for (const span of [...dynamodb, ...provider]) expect(ancestors(span, trace)).toContain(server[0]);
    expect(provider[0].attributes['url.path']).toMatch(/^\/tiingo\/daily\/aapl\/prices$/i);

    // The provider heard the same trace, and no span carries Finnhub's or Tiingo's credentials.
    expect(simulator.callLog[0].traceparent).toContain(traceId);
    expect(JSON.stringify(trace)).not.toContain(simulator.tiingoApiKey);

    const requestId = res.headers['x-request-id'] as string;
    const requestLines = service.logs.filter((line) => line.request_id === requestId);
    expect(requestLines.length).toBeGreaterThan(0);
    for (const line of requestLines) expect(line.trace_id).toBe(traceId);
  });

  it('records a provider retry as an event on the request span', async () => {
    const { traceparent, traceId } = newTraceparent();
    simulator.failWith('tiingo', 503);

    await request(service.url)
      .get('/api/v2/tickers/MSFT/ohlc')
      .query({ resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-09' })
      .set('Authorization', auth)
      .set('traceparent', traceparent)
      .expect(200);

    const spans = await receiver.waitFor((all) => all.some((span) => span.traceId === traceId && span.kind === SERVER));
    const server = spans.find((span) => span.traceId === traceId && span.kind === SERVER)!;
    const retries = server.events.filter((event) => event.name === 'dependency.retry');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0].attributes.dependency).toBe('tiingo');
  });

  it('records a call refused by an open breaker as an event on the request span', async () => {
    // A process whose Tiingo breaker opens on the first failure and stays open for the test.
    const fragile = await startServiceProcess({
      ...resources.env,
      ...simulatorEnv(simulator),
      CIRCUIT_TIINGO_FAILURE_THRESHOLD: '1',
      CIRCUIT_TIINGO_HALF_OPEN_AFTER_MS: '600000',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    });
    try {
      simulator.failWith('tiingo', 503);
      const query = (ticker: string) => request(fragile.url).get(`/api/v2/tickers/${ticker}/ohlc`).query({ resolution: 'D', start_date: '2026-09-14', end_date: '2026-09-18' });
      await query('AMZN').set('Authorization', auth).expect(200);
      const { traceparent, traceId } = newTraceparent();

      await query('GOOG').set('Authorization', auth).set('traceparent', traceparent).expect(200);

      const spans = await receiver.waitFor((all) => all.some((span) => span.traceId === traceId && span.kind === SERVER));
      const server = spans.find((span) => span.traceId === traceId && span.kind === SERVER)!;
      const rejected = server.events.filter((event) => event.name === 'circuit_breaker.rejected');
      expect(rejected.map((event) => event.attributes.dependency)).toEqual(['tiingo']);
      expect(spans.some((span) => span.traceId === traceId && span.name === 'tiingo GET')).toBe(false);
    } finally {
      await fragile.stop();
    }
  });
});

describe('Tracing with a collector that never answers (e2e)', () => {
  it('still shuts down cleanly on SIGTERM: the final flush is bounded', async () => {
    const hanging = createServer(() => undefined);
    await new Promise<void>((done) => hanging.listen(0, '127.0.0.1', done));
    const endpoint = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    const service = await startServiceProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    try {
      await request(service.url).get('/api/v2/tickers/search').query({ q: 'AAPL' }).expect(200);

      expect(await service.stop('SIGTERM')).toBe(0);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});

describe('OTEL_EXPORTER_OTLP_ENDPOINT at start-up', () => {
  it('stops the process with a line naming the variable when it is not an http(s) URL', async () => {
    const env = { PATH: process.env.PATH, ...baseTestEnv(), OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' };
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(1);
    expect(stderr.trim()).toBe('config error: OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL (got "collector:4318")');
  });
});
