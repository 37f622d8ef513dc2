import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ProbeController } from '../support/probe.controller';
import { signTestToken, startTestApp, TEST_AUTH, type TestApp } from '../support/test-app';

/** Tokens verified through a JWKS URL (as with Cognito): RS256 keys published by a local server. */
describe('bearer tokens verified through AUTH_JWKS_URL', () => {
  let jwksServer: Server;
  let testApp: TestApp;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    }).listen(0, '127.0.0.1');
    await once(jwksServer, 'listening');
    const { port } = jwksServer.address() as AddressInfo;
    testApp = await startTestApp(
      { AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` },
      { controllers: [ProbeController] },
    );
  });
  afterAll(async () => {
    await testApp.close();
    jwksServer.close();
  });

  const rs256 = (audience: string = TEST_AUTH.audience): Promise<string> =>
    new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setSubject('cognito-user')
      .setIssuer(TEST_AUTH.issuer)
      .setAudience(audience)
      .setExpirationTime('10m')
      .sign(privateKey);

  it('accepts an RS256 token signed by a published key', async () => {
    const res = await request(testApp.server).get('/__probe/me').set('Authorization', `Bearer ${await rs256()}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: 'cognito-user', roles: ['admin'] });
  });

  it('rejects an RS256 token for another audience and an HS256 token', async () => {
    for (const token of [await rs256('another-app'), await signTestToken('user-1')]) {
      const res = await request(testApp.server).get('/__probe/me').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers 503 with Retry-After, not 401, while the key set cannot be fetched', async () => {
    const broken = createServer((_req, res) => {
      res.writeHead(500);
      res.end();
    }).listen(0, '127.0.0.1');
    await once(broken, 'listening');
    const { port } = broken.address() as AddressInfo;
    const outageApp = await startTestApp(
      { AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` },
      { controllers: [ProbeController] },
    );
    try {
      const res = await request(outageApp.server).get('/__probe/me').set('Authorization', `Bearer ${await rs256()}`);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { dependency: 'identity-provider' } });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await outageApp.close();
      broken.close();
    }
  });
});
