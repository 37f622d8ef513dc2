import request from 'supertest';
import { ProbeController } from '../support/probe.controller';
import { startTestApp, TestApp } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectEnvelope(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ status, code, request_id: res.headers['x-request-id'] });
  expect(typeof res.body.message).toBe('string');
  expect(JSON.stringify(res.body)).not.toMatch(/\.ts:|\/srv\/|\bat \w+ \(|stack/i);
}

describe('error envelope and request id', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({}, { controllers: [ProbeController] });
  });
  afterAll(() => testApp.close());

  it('answers a body that fails validation with 400 VALIDATION_FAILED and per-field details', async () => {
    const res = await request(testApp.server).post('/__probe/echo').send({ name: 42, extra: true });
    expectEnvelope(res, 400, 'VALIDATION_FAILED');
    const fields = (res.body.details.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'extra']));
  });

  it.each(['toString', 'constructor', '__proto__', 'valueOf'])(
    'rejects an unknown body field named like an object member (%s) instead of dropping it',
    async (field) => {
      const res = await request(testApp.server)
        .post('/__probe/echo')
        .set('Content-Type', 'application/json')
        .send(`{"name":"ok","${field}":"x"}`);
      expectEnvelope(res, 400, 'VALIDATION_FAILED');
      expect(res.body.details.errors).toEqual([{ field, message: `property ${field} should not exist` }]);
    },
  );

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await request(testApp.server).post('/__probe/echo').set('Content-Type', 'application/json').send('{"name":');
    expectEnvelope(res, 400, 'MALFORMED_JSON');
  });

  it('answers a body over 64 KiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await request(testApp.server)
      .post('/__probe/echo')
      .send({ name: 'x'.repeat(65 * 1024) });
    expectEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    expectEnvelope(await request(testApp.server).get('/api/v2/nothing-here'), 404, 'NOT_FOUND');
  });

  it('answers a crash with 500 INTERNAL and a generic message, never internals', async () => {
    const res = await request(testApp.server).get('/__probe/crash');
    expectEnvelope(res, 500, 'INTERNAL');
    expect(res.body.message).not.toContain('secret');
  });

  it('answers a missing token with 401 and a non-admin on an admin route with 403', async () => {
    expectEnvelope(await request(testApp.server).get('/__probe/me'), 401, 'UNAUTHENTICATED');
    const res = await request(testApp.server)
      .get('/__probe/admin')
      .set('Authorization', await testApp.bearer('user-1'));
    expectEnvelope(res, 403, 'FORBIDDEN');
  });

  it('reuses a valid X-Request-ID in the header and the error body', async () => {
    const res = await request(testApp.server).get('/nope').set('X-Request-ID', 'client-abc_1.2:3');
    expect(res.headers['x-request-id']).toBe('client-abc_1.2:3');
    expect(res.body.request_id).toBe('client-abc_1.2:3');
  });

  it.each([
    ['spaces', 'has spaces'],
    ['markup', '<script>'],
    ['too long', 'a'.repeat(129)],
    ['empty', ''],
  ])('replaces an invalid X-Request-ID (%s) with a UUID', async (_label, incoming) => {
    const res = await request(testApp.server).get('/health/live').set('X-Request-ID', incoming);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('gives every response a request id, successful ones included', async () => {
    const res = await request(testApp.server).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });
});
