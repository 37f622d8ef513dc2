import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { findFreePort } from '../../scripts/local-stack/free-port';
import { CONFIGURATIONS, validBody } from '../support/configurations';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import { signTestToken, startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

/** What a create must answer when DynamoDB cannot be reached at all: an outage, never a 500. */
function expectDependencyUnavailable(res: request.Response): void {
  expect(res.status).toBe(503);
  expect(res.body).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: { dependency: 'dynamodb' } });
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(res.text).not.toMatch(/ENOTFOUND|getaddrinfo|credentials|ECONNREFUSED/i);
}

describe('dependency outages that are not HTTP answers (e2e)', () => {
  let resources: TestAwsResources;

  beforeAll(async () => {
    resources = await createTestAwsResources();
  });
  afterAll(async () => {
    await resources?.destroy();
  });

  describe('the DynamoDB endpoint does not resolve (DNS)', () => {
    let testApp: TestApp;

    beforeAll(async () => {
      // `.invalid` never resolves (RFC 2606).
      testApp = await startTestApp({ ...resources.env, AWS_ENDPOINT_URL_DYNAMODB: 'http://dynamodb.invalid:8000' });
    });
    afterAll(async () => {
      await testApp?.close();
    });

    it('answers a create with 503 DEPENDENCY_UNAVAILABLE and Retry-After', async () => {
      const res = await request(testApp.server)
        .post(CONFIGURATIONS)
        .set('Authorization', await testApp.bearer(`user-${randomUUID()}`))
        .send(validBody());

      expectDependencyUnavailable(res);
    });
  });

  describe('the credentials cannot be loaded (a failed task-role refresh on ECS)', () => {
    let service: ServiceProcess;

    beforeAll(async () => {
      // No keys in the environment or in files; the container credentials endpoint refuses connections.
      const closedPort = await findFreePort();
      service = await startServiceProcess({
        ...resources.env,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${closedPort}/credentials`,
        AWS_EC2_METADATA_DISABLED: 'true',
      });
    }, 60_000);
    afterAll(async () => {
      await service?.stop();
    });

    it('answers a create with 503 DEPENDENCY_UNAVAILABLE and Retry-After', async () => {
      const res = await request(service.url)
        .post(CONFIGURATIONS)
        .set('Authorization', `Bearer ${await signTestToken(`user-${randomUUID()}`)}`)
        .send(validBody());
      expectDependencyUnavailable(res);
    });
  });
});
