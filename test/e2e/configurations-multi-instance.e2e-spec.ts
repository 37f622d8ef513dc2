import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createAwsClients, type AwsClients } from '../../scripts/local-stack/aws-clients';
import { CONFIGURATIONS, storedState, validBody } from '../support/configurations';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import { signTestToken } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

const countBy = (statuses: number[]): Record<number, number> =>
  statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

/** Three built service processes sharing one USERS_TABLE: the maximum must hold across them. */
describe('configurations across service processes (e2e)', () => {
  let resources: TestAwsResources;
  let clients: AwsClients;
  let services: ServiceProcess[] = [];

  beforeAll(async () => {
    resources = await createTestAwsResources();
    clients = createAwsClients({ ...resources });
    // Room for the retries transaction conflicts cause when 20 writes race on one counter.
    const env = { ...resources.env, REQUEST_DEADLINE_MS: '20000' };
    services = await Promise.all([0, 1, 2].map(() => startServiceProcess(env)));
    // A cold process needs seconds for its first request; warm each one so the burst below races.
    const warmUp = `Bearer ${await signTestToken(`warm-up-${randomUUID()}`)}`;
    await Promise.all(services.map((service) => request(service.url).get(CONFIGURATIONS).set('Authorization', warmUp).expect(200)));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    clients?.destroy();
    await resources?.destroy();
  });

  it('lets exactly five of 20 concurrent creates from a fresh user through, spread over 3 processes', async () => {
    const sub = `user-${randomUUID()}`;
    const auth = `Bearer ${await signTestToken(sub)}`;

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(services[i % 3].url).post(CONFIGURATIONS).set('Authorization', auth).send(validBody({ name: `M${i}` })),
      ),
    );

    expect(countBy(responses.map((r) => r.status))).toEqual({ 201: 5, 409: 15 });
    for (const refused of responses.filter((r) => r.status === 409)) {
      expect(refused.body).toEqual(expect.objectContaining({ code: 'CONFIG_LIMIT_REACHED', details: { max_allowed: 5 } }));
    }
    const created = responses.filter((r) => r.status === 201).map((r) => r.body.config_id as string);
    expect(new Set(created).size).toBe(5);
    expect(await storedState(clients, resources.tables.users, sub)).toEqual({ counter: 5, configs: 5 });
    // Every process sees the same five through the API.
    const lists = await Promise.all(services.map((service) => request(service.url).get(CONFIGURATIONS).set('Authorization', auth).expect(200)));
    for (const list of lists) {
      expect((list.body.configurations as Array<{ config_id: string }>).map((c) => c.config_id).sort()).toEqual([...created].sort());
    }
  });
});
