import { setTimeout as pause } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { countStatuses, startCreateLoad, type CreateLoad, type CreateOutcome } from '../support/create-load';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { eventually } from '../support/eventually';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import { signTestToken } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

const CLIENTS = 8;

/** Statuses a dependency failure may end in; each must carry Retry-After. */
const DEPENDENCY_STATUSES = [429, 503, 504];

/**
 * The service as deployed (one built process, default resilience settings) behind a proxy that
 * injects DynamoDB faults, under steady create/delete traffic from 8 users. Time-based figures
 * (recovery within 5 s) are measured by `npm run bench -- chaos`; this suite holds the outcomes.
 */
describe('configurations under DynamoDB chaos (e2e, one service process)', () => {
  let resources: TestAwsResources;
  let proxy: DynamoDbFaultProxy;
  let service: ServiceProcess;
  let authorizations: string[];
  let load: CreateLoad | undefined;

  beforeAll(async () => {
    resources = await createTestAwsResources();
    proxy = await startDynamoDbFaultProxy(resources.dynamodbEndpoint);
    service = await startServiceProcess({ ...resources.env, AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
    authorizations = await Promise.all(Array.from({ length: CLIENTS }, async () => `Bearer ${await signTestToken(`chaos-${randomUUID()}`)}`));
    // A cold process answers its first requests slowly; warm every user's path once.
    await Promise.all(authorizations.map((auth) => request(service.url).get('/api/v2/configurations').set('Authorization', auth).expect(200)));
  }, 120_000);
  afterEach(async () => {
    proxy.clearFaults();
    await load?.stop();
    load = undefined;
  });
  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    await resources?.destroy();
  });

  const circuits = async (): Promise<Record<string, string>> =>
    ((await request(service.url).get('/health/circuits').expect(200)).body as { circuits: Record<string, string> }).circuits;
  const openedTotal = async (name: string): Promise<number> => {
    const text = (await request(service.url).get('/metrics').expect(200)).text;
    return Number(new RegExp(`^circuit_breaker_open_total\\{name="${name}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
  };
  const createsSince = (since: number): CreateOutcome[] => load!.creates.filter((c) => c.startedAt >= since);
  const expectDependencyFailuresOnly = (creates: readonly CreateOutcome[]): void => {
    const failed = creates.filter((c) => c.status !== 201);
    expect(failed.filter((c) => !DEPENDENCY_STATUSES.includes(c.status))).toEqual([]);
    expect(failed.filter((c) => !(Number(c.retryAfter) >= 1))).toEqual([]);
  };

  it('rides out 1.5 s of 100 % DynamoDB 5xx: ≥ 99 % of creates 201, no 500, all 201 from 5 s after it ended', async () => {
    const openedBefore = await openedTotal('dynamodb');
    load = startCreateLoad(service.url, authorizations);
    await eventually('steady load', () => load!.creates.length >= 40);

    proxy.setFaults({ errorShare: 1 });
    await pause(1500); // the outage itself, not a wait for the service
    proxy.clearFaults();
    const outageEnd = Date.now();
    await eventually('creates started 5 s after the outage', () => createsSince(outageEnd + 5000).filter((c) => c.endedAt > 0).length >= 40, 60_000);
    await load.stop();

    const { creates } = load;
    const ok = creates.filter((c) => c.status === 201).length;
    expect(proxy.injected()).toBeGreaterThan(0);
    expect(countStatuses(creates.map((c) => c.status))[500]).toBeUndefined();
    expect(load.deletes).not.toContain(500);
    expectDependencyFailuresOnly(creates);
    expect(ok / creates.length).toBeGreaterThanOrEqual(0.99);
    expect(createsSince(outageEnd + 5000).filter((c) => c.status !== 201)).toEqual([]);
    expect((await circuits()).dynamodb).toBe('CLOSED');
    expect(await openedTotal('dynamodb')).toBe(openedBefore);
  }, 120_000);

  it('absorbs 8 s of 30 % throttling: no 500, every failure 429/503 with Retry-After, ≥ 95 % of creates 201', async () => {
    load = startCreateLoad(service.url, authorizations);
    await eventually('steady load', () => load!.creates.length >= 20);
    const startedAt = Date.now();

    proxy.setFaults({ throttleShare: 0.3 });
    await pause(8000); // the throttling period itself
    proxy.clearFaults();
    await load.stop();

    const during = createsSince(startedAt);
    expect(proxy.injected()).toBeGreaterThan(0);
    expect(during.length).toBeGreaterThan(40);
    expect(countStatuses(load.creates.map((c) => c.status))[500]).toBeUndefined();
    expect(load.deletes).not.toContain(500);
    expectDependencyFailuresOnly(load.creates);
    expect(during.filter((c) => c.status === 201).length / during.length).toBeGreaterThanOrEqual(0.95);
    expect((await circuits()).dynamodb).toBe('CLOSED');
  }, 120_000);

  it('during a long outage answers 503 with Retry-After within the deadline, fails fast once open, and creates again after it', async () => {
    load = startCreateLoad(service.url, authorizations);
    await eventually('steady load', () => load!.creates.length >= 20);

    proxy.setFaults({ down: true });
    const outageStart = Date.now();
    await eventually('the dynamodb breaker opens', async () => (await circuits()).dynamodb === 'OPEN', 60_000);
    // It keeps probing and re-opening while DynamoDB stays down: at least one failed probe.
    const opened = await openedTotal('dynamodb');
    await eventually('a failed probe re-opens it', async () => (await openedTotal('dynamodb')) > opened, 60_000);
    const failFast = await request(service.url).post('/api/v2/configurations').set('Authorization', authorizations[0]).send({ name: 'x', tickers: ['AAPL'] });
    proxy.clearFaults();
    const outageEnd = Date.now();
    await eventually('creates answer 201 again', () => load!.creates.some((c) => c.startedAt >= outageEnd && c.status === 201), 60_000);
    await load.stop();

    const duringOutage = load.creates.filter((c) => c.startedAt >= outageStart + 100 && c.endedAt <= outageEnd);
    expect(duringOutage.length).toBeGreaterThan(0);
    // 503, not 504: every answer came within the request's deadline, with the breaker's cool-down as Retry-After.
    expect(countStatuses(duringOutage.map((c) => c.status))).toEqual({ 503: duringOutage.length });
    expect(duringOutage.filter((c) => c.code !== 'DEPENDENCY_UNAVAILABLE' || !(Number(c.retryAfter) >= 1))).toEqual([]);
    expect(failFast.status).toBe(503);
    expect(failFast.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { dependency: 'dynamodb' } });
    expect(Number(failFast.headers['retry-after'])).toBeLessThanOrEqual(2);
    expect(countStatuses(load.creates.map((c) => c.status))[500]).toBeUndefined();
    expect((await circuits()).dynamodb).toBe('CLOSED');
  }, 180_000);
});
