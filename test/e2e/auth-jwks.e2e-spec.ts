import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { InvalidEnvironmentError } from '../../src/config/settings';
import { ProbeController } from '../support/probe.controller';
import { signTestToken, startTestApp, TEST_AUTH, testSettings, type TestApp } from '../support/test-app';

type Alg = 'RS256' | 'ES256';

/** A JWKS endpoint on 127.0.0.1 publishing one RS256 and one ES256 key. */
async function startJwksServer(keys: JWK[]): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json` };
}

/**
 * Tokens verified through a JWKS URL, shaped like Cognito's: ID tokens (aud = app client id) and
 * access tokens (no aud, client_id = app client id), groups in cognito:groups.
 */
describe('bearer tokens verified through AUTH_JWKS_URL', () => {
  let jwks: { server: Server; url: string };
  let testApp: TestApp;
  const privateKeys = {} as Record<Alg, CryptoKey>;

  beforeAll(async () => {
    const published: JWK[] = [];
    for (const alg of ['RS256', 'ES256'] as const) {
      const pair = await generateKeyPair(alg);
      privateKeys[alg] = pair.privateKey;
      published.push({ ...(await exportJWK(pair.publicKey)), kid: `key-${alg}`, alg, use: 'sig' });
    }
    jwks = await startJwksServer(published);
    testApp = await startTestApp(
      { AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: jwks.url, AUTH_ROLES_CLAIM: 'cognito:groups' },
      { controllers: [ProbeController] },
    );
  });
  afterAll(async () => {
    await testApp.close();
    jwks.server.close();
  });

  /** `undefined` removes a claim. */
  const sign = (alg: Alg, claims: Record<string, unknown> = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      sub: 'cognito-user', iss: TEST_AUTH.issuer, aud: TEST_AUTH.audience, exp: now + 600, token_use: 'id', 'cognito:groups': ['admin'], ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload as JWTPayload).setProtectedHeader({ alg, kid: `key-${alg}` }).sign(privateKeys[alg]);
  };
  const me = async (token: string): Promise<request.Response> =>
    request(testApp.server).get('/__probe/me').set('Authorization', `Bearer ${token}`);
  const accessToken = (alg: Alg, claims: Record<string, unknown> = {}): Promise<string> =>
    sign(alg, { aud: undefined, client_id: TEST_AUTH.audience, token_use: 'access', ...claims });

  describe.each(['RS256', 'ES256'] as const)('%s', (alg) => {
    it('accepts an ID token and reads its roles from cognito:groups', async () => {
      const res = await me(await sign(alg));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'cognito-user', roles: ['admin'] });
    });

    it('accepts an access token (no aud) matched on client_id, and rejects one for another client', async () => {
      expect((await me(await accessToken(alg))).body).toEqual({ sub: 'cognito-user', roles: ['admin'] });
      expect((await me(await accessToken(alg, { client_id: 'another-client' }))).status).toBe(401);
    });

    it.each([
      ['no exp', { exp: undefined }],
      ['no sub', { sub: undefined }],
      ['a sub of 129 characters', { sub: 's'.repeat(129) }],
      ['another audience', { aud: 'another-app' }],
      ['another issuer', { iss: 'https://evil.example' }],
      ['an expired exp', { exp: Math.floor(Date.now() / 1000) - 60 }],
    ])('rejects a token with %s with 401', async (_label, claims) => {
      const res = await me(await sign(alg, claims));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });

    it('gives no admin role from the default "roles" claim once AUTH_ROLES_CLAIM is set', async () => {
      const res = await request(testApp.server)
        .get('/__probe/admin')
        .set('Authorization', `Bearer ${await sign(alg, { 'cognito:groups': undefined, roles: ['admin'] })}`);
      expect(res.status).toBe(403);
    });
  });

  it('rejects an HS256 token when verifying through JWKS', async () => {
    const res = await me(await signTestToken('user-1'));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a plain-http JWKS URL on a host other than loopback at start', () => {
    const start = (): unknown => testSettings({ AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: 'http://idp.example.com/.well-known/jwks.json' });
    expect(start).toThrow(InvalidEnvironmentError);
    expect(start).toThrow(/AUTH_JWKS_URL must be an https URL/);
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
      const res = await request(outageApp.server).get('/__probe/me').set('Authorization', `Bearer ${await sign('RS256')}`);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { dependency: 'identity-provider' } });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await outageApp.close();
      broken.close();
    }
  });
});
