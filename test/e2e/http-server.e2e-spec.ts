import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { setTimeout as pause } from 'node:timers/promises';
import request from 'supertest';
import { countStatuses, startCreateLoad } from '../support/create-load';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import { signTestToken } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

const TRICKLE_MS = 4900;
const CHUNKS = 10;

/** POSTs a create whose body arrives in CHUNKS pieces spread over TRICKLE_MS, as a slow mobile client would send it. */
function trickledCreate(url: string, authorization: string): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({ name: 'Slow client', tickers: ['AAPL', 'MSFT'] });
  const target = new URL('/api/v2/configurations', url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    void (async () => {
      const size = Math.ceil(body.length / CHUNKS);
      for (let i = 0; i < CHUNKS; i++) {
        req.write(body.slice(i * size, (i + 1) * size));
        // The client's pace, the subject of the test; nothing waits on the service here.
        if (i < CHUNKS - 1) await pause(TRICKLE_MS / (CHUNKS - 1));
      }
      req.end();
    })();
  });
}

describe('the HTTP server of a service process (e2e)', () => {
  let resources: TestAwsResources;
  let service: ServiceProcess;

  beforeAll(async () => {
    resources = await createTestAwsResources();
    // A deadline shorter than the trickle: the creates can only succeed if it starts once the body is in.
    service = await startServiceProcess({ ...resources.env, REQUEST_DEADLINE_MS: '3000' });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await resources?.destroy();
  });

  it('keeps idle connections open longer than a load balancer (Keep-Alive: timeout=65)', async () => {
    const res = await request(service.url).get('/health/live').set('Connection', 'keep-alive').expect(200);

    expect(res.headers['keep-alive']).toBe('timeout=65');
  });

  it('lets 8 clients trickle their bodies over 4.9 s: every create 201, every breaker CLOSED, nobody else fails', async () => {
    const slowUsers = await Promise.all(Array.from({ length: 8 }, async () => `Bearer ${await signTestToken(`slow-${randomUUID()}`)}`));
    const others = await Promise.all(Array.from({ length: 2 }, async () => `Bearer ${await signTestToken(`other-${randomUUID()}`)}`));
    const load = startCreateLoad(service.url, others);

    const slow = await Promise.all(slowUsers.map((auth) => trickledCreate(service.url, auth)));
    await load.stop();

    expect(slow.map((res) => res.status)).toEqual(Array.from({ length: 8 }, () => 201));
    expect(load.creates.length).toBeGreaterThan(0);
    expect(countStatuses(load.creates.map((c) => c.status))).toEqual({ 201: load.creates.length });
    const { circuits } = (await request(service.url).get('/health/circuits').expect(200)).body as { circuits: Record<string, string> };
    expect(Object.entries(circuits).filter(([, state]) => state !== 'CLOSED')).toEqual([]);
  }, 60_000);
});
