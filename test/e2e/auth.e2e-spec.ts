import { SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { ProbeController } from '../support/probe.controller';
import { signTestToken, startTestApp, TEST_AUTH, TestApp } from '../support/test-app';

describe('bearer token authentication', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({}, { controllers: [ProbeController] });
  });
  afterAll(() => testApp.close());

  const me = (authorization: string): request.Test =>
    request(testApp.server).get('/__probe/me').set('Authorization', authorization);

  it('accepts a valid token and exposes its subject and roles', async () => {
    const res = await me(`Bearer ${await signTestToken('user-1', { roles: ['admin'] })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: 'user-1', roles: ['admin'] });
  });

  it.each([
    ['the wrong audience', () => signTestToken('user-1', { audience: 'someone-else' })],
    ['the wrong issuer', () => signTestToken('user-1', { issuer: 'https://evil.example' })],
    ['an expired token', () => signTestToken('user-1', { expiresInSeconds: -60 })],
    ['a token not valid yet', () => signTestToken('user-1', { notBeforeSeconds: 600 })],
    [
      'an unsigned token (alg: none)',
      async () =>
        new UnsecuredJWT({ roles: ['admin'] })
          .setSubject('user-1')
          .setIssuer(TEST_AUTH.issuer)
          .setAudience(TEST_AUTH.audience)
          .setExpirationTime('10m')
          .encode(),
    ],
    [
      'a token signed with another secret',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('user-1')
          .setIssuer(TEST_AUTH.issuer)
          .setAudience(TEST_AUTH.audience)
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode('another-secret-that-is-also-32-chars-long!')),
    ],
    ['a token without subject', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(TEST_AUTH.issuer).setAudience(TEST_AUTH.audience).setExpirationTime('10m').sign(new TextEncoder().encode(TEST_AUTH.secret))],
  ])('rejects %s with 401 UNAUTHENTICATED', async (_label, makeToken) => {
    const res = await me(`Bearer ${await makeToken()}`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not a token', 'token-without-scheme'])(
    'rejects the Authorization header "%s" with 401',
    async (authorization) => {
      const res = await me(authorization);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    },
  );
});
